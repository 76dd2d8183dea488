import { Elysia } from 'elysia'
import { NotFoundError } from '../lib/errors.ts'

/**
 * The page's own policy: its scripts and styles come from this server only, no inline script and
 * no eval. Preact and uPlot set styles through the CSSOM, which style-src does not restrict; the
 * image preview and the CSV download use blob: URLs.
 */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; " +
  "font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

type Bundle = typeof import('../dashboard/assets.ts')['DASHBOARD']
let bundle: Promise<Bundle> | undefined
// Loaded on first use: from sources that is when the page is bundled (a macro, see
// src/dashboard/bundle.ts), so apps that never serve the page never pay for it.
const loadBundle = () => (bundle ??= import('../dashboard/assets.ts').then((module) => module.DASHBOARD))

const MEDIA_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
}
const mediaType = (name: string) => MEDIA_TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream'

/**
 * GET /dashboard: the admin dashboard (src/dashboard), bundled by Bun and carried inside the
 * executable. It talks to the public API only. GET /admin redirects to it (no API route is
 * `/admin` itself; the `/admin/*` routes keep their paths).
 */
export function dashboardPlugin() {
  return new Elysia({ name: 'kiosk/dashboard', detail: { hide: true } })
    .get('/dashboard', async ({ set }) => {
      const { files } = await loadBundle()
      set.headers['content-security-policy'] = DASHBOARD_CSP
      set.headers['content-type'] = MEDIA_TYPES.html!
      set.headers['cache-control'] = 'no-cache'
      return files['index.html']!.text
    })
    .get('/admin', ({ redirect }) => redirect('/dashboard', 302))
    .get('/dashboard/assets/:name', async ({ params, set }) => {
      const { files } = await loadBundle()
      const file = Object.hasOwn(files, params.name) && params.name !== 'index.html' ? files[params.name] : undefined
      if (!file) throw new NotFoundError('No such dashboard asset.')
      set.headers['content-type'] = mediaType(params.name)
      // Names of chunks carry their content hash; the entry names do not, so they revalidate.
      set.headers['cache-control'] = /-[a-z0-9]{8}\./.test(params.name) ? 'public, max-age=31536000, immutable' : 'no-cache'
      return file.text
    })
}
