import { expect } from 'chai'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { configFromConf, parseConfText, type ParsedConfig } from '../../lib/config/index.js'
import { ConfigError } from '../../lib/errors.js'

/** Tests run from dist/test/config; fixtures stay in the source tree. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../../../test/config/fixtures/${name}`, import.meta.url))
}

export function fixture(name: string): string {
  return readFileSync(fixturePath(name), 'utf8')
}

export function configError(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (error) {
    if (error instanceof ConfigError) return error
    expect.fail(`expected a ConfigError, got ${String(error)}`)
  }
  expect.fail('expected a ConfigError, nothing was thrown')
}

/** Asserts code, key and line, that the message names both, and contains every fragment. */
export function expectConfigError(fn: () => unknown, key: string, line: number | undefined, ...fragments: string[]): ConfigError {
  const error = configError(fn)
  expect(error.code).to.equal('ERR_CONFIG')
  expect(error.key, error.message).to.equal(key)
  expect(error.line, error.message).to.equal(line)
  expect(error.message).to.contain(line === undefined ? `${key}: ` : `line ${line}: ${key}: `)
  for (const fragment of fragments) expect(error.message).to.contain(fragment)
  return error
}

/** Parses and maps text (lines joined with '\n'). */
export function conf(...lines: string[]): ParsedConfig {
  return configFromConf(parseConfText(`${lines.join('\n')}\n`))
}

/** A minimal valid file around `extra` lines: totem with version 2 and a two-node nodelist. */
export function minimal(totem: string[] = [], extra: string[] = []): string[] {
  return [
    'totem {', '  version: 2', '  cluster_name: test', ...totem.map((l) => `  ${l}`), '}',
    'nodelist {',
    '  node {', '    ring0_addr: 10.0.0.1', '    nodeid: 1', '  }',
    '  node {', '    ring0_addr: 10.0.0.2', '    nodeid: 2', '  }',
    '}',
    ...extra,
  ]
}

export function warningKeys(parsed: ParsedConfig): string[] {
  return parsed.warnings.map((w) => w.key)
}
