import { useState } from 'preact/hooks'
import type { Api } from '../../api.ts'
import { signInMessage } from '../../messages.ts'
import { Alert, control, Field, formValues, html } from '../ui.ts'

export function SignIn({ api, onSignedIn }: { api: Api; onSignedIn: () => void }) {
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const submit = async (event: Event) => {
    event.preventDefault()
    const { email, password } = formValues(event.currentTarget as HTMLFormElement)
    setBusy(true)
    setError(undefined)
    try {
      await api.signIn(email!, password!)
      onSignedIn()
    } catch (failure) {
      setError(signInMessage(failure))
    } finally {
      setBusy(false)
    }
  }
  return html`<main class="sign-in" id="main">
    <form class="card" onSubmit=${submit} aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Kiosk dashboard</h1>
      <p class="muted">Sign in with an administrator account.</p>
      <${Alert} message=${error} />
      <${Field} label="Email" name="email">
        <input ...${control('email')} type="email" autocomplete="username" required autofocus />
      </${Field}>
      <${Field} label="Password" name="password">
        <input ...${control('password')} type="password" autocomplete="current-password" required />
      </${Field}>
      <button class="primary" type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  </main>`
}
