import { render } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { createApi } from '../api.ts'
import { html } from './ui.ts'
import { SignIn } from './views/sign-in.ts'
import { Overview } from './views/overview.ts'
import { Products } from './views/products.ts'
import { Orders } from './views/orders.ts'
import { Users } from './views/users.ts'
import { Webhooks } from './views/webhooks.ts'
import { Snapshots } from './views/snapshots.ts'

const SCREENS = {
  overview: { title: 'Overview', view: Overview },
  products: { title: 'Products', view: Products },
  orders: { title: 'Orders', view: Orders },
  users: { title: 'Users', view: Users },
  webhooks: { title: 'Webhooks', view: Webhooks },
  snapshots: { title: 'Snapshots', view: Snapshots },
} as const
type ScreenName = keyof typeof SCREENS

const screenOf = (hash: string): ScreenName => {
  const name = hash.replace(/^#\/?/, '')
  return name in SCREENS ? (name as ScreenName) : 'overview'
}

let notifySignedOut = () => {}
const api = createApi({ fetch: (input, init) => fetch(input, init), storage: sessionStorage, onSignedOut: () => notifySignedOut() })

// The hash is the router's, so the skip link moves focus itself.
const skipToContent = (event: Event) => {
  event.preventDefault()
  document.getElementById('main')?.focus()
}

function App() {
  const [signedIn, setSignedIn] = useState(Boolean(api.session))
  const [screen, setScreen] = useState(screenOf(location.hash))
  useEffect(() => {
    notifySignedOut = () => setSignedIn(false)
    const onHash = () => setScreen(screenOf(location.hash))
    addEventListener('hashchange', onHash)
    return () => removeEventListener('hashchange', onHash)
  }, [])
  const firstRender = useRef(true)
  useEffect(() => {
    document.title = signedIn ? `${SCREENS[screen].title} · Kiosk dashboard` : 'Sign in · Kiosk dashboard'
    // After a move (not on load, so the first Tab still finds the skip link), focus goes to the new screen.
    if (signedIn && !firstRender.current) document.getElementById('main')?.focus()
    firstRender.current = false
  }, [screen, signedIn])

  if (!signedIn) return html`<${SignIn} api=${api} onSignedIn=${() => setSignedIn(true)} />`
  const View = SCREENS[screen].view
  return html`<div class="shell">
    <a class="skip" href="#main" onClick=${skipToContent}>Skip to content</a>
    <header class="topbar">
      <span class="brand">Kiosk</span>
      <nav aria-label="Screens">
        <ul>
          ${Object.entries(SCREENS).map(
            ([name, { title }]) =>
              html`<li><a href=${`#/${name}`} aria-current=${name === screen ? 'page' : undefined}>${title}</a></li>`,
          )}
        </ul>
      </nav>
      <div class="account">
        <span class="email">${api.session?.email}</span>
        <button type="button" onClick=${() => api.signOut()}>Sign out</button>
      </div>
    </header>
    <main id="main" tabindex="-1">
      <h1>${SCREENS[screen].title}</h1>
      <${View} api=${api} />
    </main>
  </div>`
}

render(html`<${App} />`, document.getElementById('app')!)
