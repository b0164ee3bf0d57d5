import { readFileSync } from 'node:fs'

/**
 * This package's version, from its package.json (two levels above the
 * compiled `dist/lib/util/`, wherever the package is installed).
 */
function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown }
    return typeof pkg.version === 'string' ? pkg.version : 'unknown'
  } catch {
    return 'unknown'
  }
}

/** The ts-ha version string, e.g. `0.1.0`. */
export const TS_HA_VERSION: string = readVersion()
