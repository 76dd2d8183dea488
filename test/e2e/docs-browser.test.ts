import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'
import { seedDataFolder, type SeededUser } from './data-folder.ts'
import { startKiosk, type RunningKiosk } from './harness.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * The docs page in a real browser with no network: it renders from the executable's own assets,
 * and its Authorize button (OAuth2 password flow against /token) lets a reader call a protected
 * route. CI installs Debian's chromium and sets KIOSK_REQUIRE_BROWSER, so there a missing
 * browser fails; elsewhere the test is skipped with this reason.
 */
const CHROMIUM = '/usr/bin/chromium'
const available = existsSync(CHROMIUM)
if (!available && process.env.KIOSK_REQUIRE_BROWSER) throw new Error(`${CHROMIUM} is required (KIOSK_REQUIRE_BROWSER is set)`)
if (!available) console.warn(`skipping the docs browser test: ${CHROMIUM} is not installed (apt-get install chromium)`)

describe.skipIf(!available)('GET /docs in Chromium', () => {
  let kiosk: RunningKiosk
  let browser: Browser
  let user: SeededUser

  beforeAll(async () => {
    const seeded = await seedDataFolder({ users: [{ role: 'user', email: 'reader@docs.test', password: 'docs reader password' }] })
    user = seeded.users[0]!
    kiosk = await startKiosk({ dir: seeded.dir, env: seeded.env })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost',
      ],
    })
  })

  afterAll(async () => {
    await browser?.close()
    await kiosk?.stop()
  })

  test('renders the operation list from local assets, then Authorize + Try it out calls GET /users/me', async () => {
    const page = await browser.newPage()
    const foreign: string[] = []
    page.on('request', (request) => {
      const url = new URL(request.url())
      if (!['127.0.0.1', 'localhost'].includes(url.hostname) && url.protocol !== 'data:') foreign.push(request.url())
    })
    await page.goto(`${kiosk.url}/docs`)
    await page.locator('.opblock').first().waitFor({ timeout: 20_000 })
    expect(await page.locator('.opblock').count()).toBeGreaterThan(5)
    expect(await page.locator('.opblock-summary-path', { hasText: '/users/me' }).count()).toBeGreaterThan(0)

    // Authorize with the password flow.
    await page.locator('button.authorize').first().click()
    const dialog = page.locator('.dialog-ux')
    // Only the schemes a reader can use: a bearer token and the password flow (no metrics token here).
    await dialog.locator('.auth-container').first().waitFor({ timeout: 10_000 })
    expect((await dialog.locator('.auth-container h4').allTextContents()).map((text) => text.split(/\s/)[0]).sort()).toEqual(['bearer', 'oauth2'])
    const oauth = dialog.locator('.auth-container', { hasText: 'oauth2' })
    await oauth.locator('input#oauth_username').fill(user.email)
    await oauth.locator('input#oauth_password').fill(user.password)
    await oauth.locator('button.authorize').click()
    await oauth.locator('button.logout, button:has-text("Logout")').first().waitFor({ timeout: 15_000 })
    await dialog.locator('button.close-modal').click()

    // GET /users/me (Try it out is on by default): Execute, and see the caller in the response.
    const operation = page.locator('#operations-Identity-getUsersMe')
    await operation.locator('.opblock-summary').click()
    await operation.locator('button.execute').click()
    const body = operation.locator('.responses-wrapper .live-responses-table .response-col_description pre').first()
    await body.waitFor({ timeout: 15_000 })
    expect(await body.textContent()).toContain(user.email)
    expect(await operation.locator('.live-responses-table tbody .response-col_status').first().textContent()).toContain('200')

    expect(foreign).toEqual([])
  }, 90_000)

  test('has a favicon from the executable, and "Try it out" on GET /products pre-fills no filter', async () => {
    const page = await browser.newPage()
    const icon = page.waitForResponse((response) => response.url().endsWith('/docs/assets/favicon.svg'))
    await page.goto(`${kiosk.url}/docs`)
    const iconResponse = await icon
    expect(iconResponse.status()).toBe(200)
    expect(iconResponse.headers()['content-type']).toBe('image/svg+xml')
    const operation = page.locator('#operations-Catalog-getProducts')
    await operation.waitFor({ timeout: 20_000 })
    await operation.locator('.opblock-summary').click()
    const values = await operation.locator('.parameters input[type=text]').evaluateAll((inputs) =>
      Object.fromEntries(inputs.map((input) => [input.closest('tr')?.getAttribute('data-param-name'), (input as unknown as { value: string }).value])),
    )
    expect(values).toEqual({ q: '', category: '', min_price: '', max_price: '', limit: '20', cursor: '' })
  }, 60_000)
})
