import { Elysia, t } from 'elysia'
import { NotFoundError } from '../lib/errors.ts'
import { problemResponses } from './problem.ts'

/**
 * The page's own policy: its scripts and styles come from this server only, no inline script and
 * no eval. Preact and uPlot set styles through the CSSOM, which style-src does not restrict; the
 * image preview and the CSV download use blob: URLs.
 */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; " +
  "font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

const Page = t.String({ contentMediaType: 'text/html', description: 'The dashboard page' })
const Script = t.String({ contentMediaType: 'text/javascript', description: 'JavaScript (an ES module)' })
const Stylesheet = t.String({ contentMediaType: 'text/css', description: 'CSS' })
const ASSET_RULES = 'Names carry a content hash and are served as immutable. Any other name is 404.'
const AssetParams = t.Object({ name: t.String({ description: 'An asset name as the page references it' }) })

type Bundle = typeof import('../dashboard/assets.ts')['DASHBOARD']
let bundle: Promise<Bundle> | undefined
// Loaded on first use: from sources that is when the page is bundled (a macro, see
// src/dashboard/bundle.ts), so apps that never serve the page never pay for it.
const loadBundle = () => (bundle ??= import('../dashboard/assets.ts').then((module) => module.DASHBOARD))

const HTML = 'text/html; charset=utf-8'
const MEDIA_TYPES = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' } as const

/** Serves the bundle's files of one kind (by extension); any other name is 404. */
const asset =
  (extension: keyof typeof MEDIA_TYPES) =>
  async ({ params, set }: { params: { name: string }; set: { headers: Record<string, string | number> } }) => {
    const { files } = await loadBundle()
    const file = params.name.endsWith(extension) && Object.hasOwn(files, params.name) ? files[params.name] : undefined
    if (!file) throw new NotFoundError('No such dashboard asset.')
    set.headers['content-type'] = MEDIA_TYPES[extension]
    // Bun names every output by its content hash: a changed page is a new name.
    set.headers['cache-control'] = 'public, max-age=31536000, immutable'
    return file.text
  }

/**
 * GET /dashboard: the admin dashboard (src/dashboard), bundled by Bun and carried inside the
 * executable. It talks to the public API only. Not at /admin, where the admin API lives: a
 * redirect there would be a route the API's fuzzing and inventory proofs see as an API route.
 */
export function dashboardPlugin() {
  return new Elysia({ name: 'kiosk/dashboard' })
    .get('/dashboard', async ({ set }) => {
      const { files } = await loadBundle()
      set.headers['content-security-policy'] = DASHBOARD_CSP
      set.headers['content-type'] = HTML
      set.headers['cache-control'] = 'no-cache'
      return files['index.html']!.text
    }, {
      response: { 200: Page },
      detail: {
        tags: ['Operations'],
        summary: 'The admin dashboard',
        description:
          'The admin dashboard page (HTML). Its script (`/dashboard/assets/`) and stylesheet (`/dashboard/styles/`) are inside the executable; it signs in with the password flow at `/token` (admins only) and uses only this API. It has its own Content-Security-Policy (no inline script, no eval, nothing from another origin).',
      },
    })
    .get('/dashboard/assets/:name', asset('.js'), {
      params: AssetParams,
      response: { 200: Script, ...problemResponses(404) },
      detail: { tags: ['Operations'], summary: 'A dashboard script', description: `The page's bundled script, as the page names it. ${ASSET_RULES}` },
    })
    .get('/dashboard/styles/:name', asset('.css'), {
      params: AssetParams,
      response: { 200: Stylesheet, ...problemResponses(404) },
      detail: { tags: ['Operations'], summary: 'A dashboard stylesheet', description: `The page's bundled stylesheet, as the page names it. ${ASSET_RULES}` },
    })
}
