import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

/** Debian's Chromium (apt-get install chromium; .ci/run does); CHROMIUM_PATH names another. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'

/** Why no browser test can run here, or undefined. */
export function browserUnavailable(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`
}

/** A headless Chromium with a fresh profile, sized like a phone; close() removes the profile. */
export async function openPhoneBrowser(): Promise<{ readonly page: Page; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'tsha-chromium-'))
  let context: BrowserContext | undefined
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    })
    const page = context.pages()[0] ?? await context.newPage()
    const ctx = context
    return { page, close: async () => { await ctx.close(); rmSync(profile, { recursive: true, force: true }) } }
  } catch (error) {
    await context?.close()
    rmSync(profile, { recursive: true, force: true })
    throw error
  }
}
