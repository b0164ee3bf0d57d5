import { expect } from 'chai'
import { parseConfText, type ConfItem, type ConfKey, type ConfSection } from '../../lib/config/index.js'
import { expectConfigError } from './helpers.js'

const parse = (...lines: string[]): ConfSection => parseConfText(`${lines.join('\n')}\n`)
const section = (s: ConfSection, name: string): ConfSection => {
  const found = s.items.find((i): i is ConfSection => i.kind === 'section' && i.name === name)
  if (found === undefined) expect.fail(`no section ${name}`)
  return found
}
const keys = (s: ConfSection): Array<[string, string, number]> =>
  s.items.filter((i: ConfItem): i is ConfKey => i.kind === 'key').map((k) => [k.name, k.value, k.line])

describe('config/conf-parser', () => {
  describe('tree and line numbers', () => {
    it('builds nested sections with paths, opening and closing lines', () => {
      const root = parse('totem {', '  version: 2', '  interface {', '    mcastport: 5405', '  }', '}', 'quorum {', '}')
      const totem = section(root, 'totem')
      expect(totem).to.include({ path: 'totem', line: 1, endLine: 6 })
      expect(keys(totem)).to.deep.equal([['version', '2', 2]])
      const iface = section(totem, 'interface')
      expect(iface).to.include({ path: 'totem.interface', line: 3, endLine: 5 })
      expect(keys(iface)).to.deep.equal([['mcastport', '5405', 4]])
      expect(section(root, 'quorum').items).to.deep.equal([])
      expect(root).to.include({ name: '', path: '', line: 0, endLine: 8 })
      expect(root.warnings).to.deep.equal([])
    })

    it('reads a last line without a newline', () => {
      expect(keys(section(parseConfText('a {\nb: 1\n}'), 'a'))).to.deep.equal([['b', '1', 2]])
    })

    it('accepts CRLF line endings and a byte-order mark', () => {
      const root = parseConfText('\ufefftotem {\r\n  token: 5000\r\n}\r\n')
      expect(keys(section(root, 'totem'))).to.deep.equal([['token', '5000', 2]])
    })
  })

  describe('corosync lexical quirks', () => {
    it('skips # comment lines (also indented) and blank lines of spaces, tabs and NBSP', () => {
      const root = parse('# top', 'a {', '   # indented', '', ' \t\u00a0 ', '\tb: 1', '}')
      expect(keys(section(root, 'a'))).to.deep.equal([['b', '1', 6]])
    })

    it('has no trailing comments: "key: v # x" keeps "v # x"', () => {
      expect(keys(section(parse('a {', 'b: v # x', '}'), 'a'))).to.deep.equal([['b', 'v # x', 2]])
    })

    it('splits at the first colon, so IPv6 addresses and colons in values survive', () => {
      const root = parse('n {', 'ring0_addr: fe80::1:2', 'time: 12:30: x', 'url:http://h:80/', '}')
      expect(keys(section(root, 'n'))).to.deep.equal([['ring0_addr', 'fe80::1:2', 2], ['time', '12:30: x', 3], ['url', 'http://h:80/', 4]])
    })

    it('trims spaces, tabs and NBSP from names and values, but nothing else', () => {
      const root = parse('\u00a0a\t{', ' \tkey\u00a0 :\t value \u00a0\t', 'em: x\u2003', '}')
      expect(keys(section(root, 'a'))).to.deep.equal([['key', 'value', 2], ['em', 'x\u2003', 3]])
    })

    it('keeps an empty value', () => {
      expect(keys(section(parse('a {', 'b:', '}'), 'a'))).to.deep.equal([['b', '', 2]])
    })

    it('strips a trailing colon from section names ("totem: {") and needs no space before {', () => {
      const root = parse('totem: {', 'a: 1', '}', 'quorum{', '}')
      expect(section(root, 'totem').path).to.equal('totem')
      expect(section(root, 'quorum').line).to.equal(4)
    })

    it('reads a key line ending in } as a key whose value keeps the }', () => {
      // The ':' test comes before the '}' test in corosync, so the section stays open.
      expectConfigError(() => parse('a {', 'b: 1 }'), 'a', 1, "missing closing brace for section 'a' opened at line 1")
      expect(keys(section(parse('a {', 'b: 1 }', '}'), 'a'))).to.deep.equal([['b', '1 }', 2]])
    })

    it('accepts a line of exactly 510 bytes and rejects 511 (bytes, not characters)', () => {
      const ok = `k: ${'x'.repeat(507)}`
      expect(keys(section(parse('a {', ok, '}'), 'a'))[0]?.[1]).to.have.length(507)
      expectConfigError(() => parse('a {', `${ok}x`, '}'), 'a', 2, 'line too long (511 bytes)')
      // é is two bytes in UTF-8: 255 of them plus "k: " exceed the limit though the string has 258 characters.
      expectConfigError(() => parse(`k: ${'é'.repeat(254)}`), '(top level)', 1, 'line too long (511 bytes)')
    })
  })

  describe('syntax errors', () => {
    it('missing closing brace names the innermost open section and its opening line', () => {
      expectConfigError(() => parse('# c', 'totem {', '  interface {', '  }'), 'totem', 2,
        "missing closing brace for section 'totem' opened at line 2", "add '}'")
      expectConfigError(() => parse('totem {', 'interface {', 'a: 1'), 'totem.interface', 2, "section 'interface' opened at line 2")
    })

    it('an unexpected closing brace', () => {
      expectConfigError(() => parse('a {', '}', '}'), '(top level)', 3, "unexpected '}'")
    })

    it('text before or after a closing brace', () => {
      expectConfigError(() => parse('a {', '} x'), 'a', 2, "'}' must be alone")
      expectConfigError(() => parse('a {', 'x }'), 'a', 2, "'}' must be alone")
    })

    it('a line that is neither section, key nor brace', () => {
      expectConfigError(() => parse('totem {', '  version 2', '}'), 'totem', 2, "'version 2' is not a section start")
    })

    it('an empty key name or section name', () => {
      expectConfigError(() => parse('a {', ': v', '}'), 'a', 2, "key name missing before ':'")
      expectConfigError(() => parse('a {', '  {', '}'), 'a', 2, "missing section name before '{'")
    })

    it("a value containing '{' opens a section, which is reported", () => {
      expectConfigError(() => parse('totem {', 'cluster_name: a{', '}'), 'totem.cluster_name: a', 2,
        "a value cannot contain '{'")
      expectConfigError(() => parse('totem {', 'cluster_name: {a}', '}'), 'totem.cluster_name', 2, "cannot read 'a'")
    })

    it('characters corosync cannot store in key names', () => {
      expectConfigError(() => parse('a {', 'my key: 1', '}'), 'a.my key', 2, 'invalid character " " in key name')
      expectConfigError(() => parse('my section {', '}'), 'my section', 1, 'invalid character " " in section name')
    })

    it('key paths longer than corosync allows', () => {
      const long = 'k'.repeat(251)
      expect(() => parse('a {', `${'k'.repeat(252)}: 1`, '}')).not.to.throw()
      expectConfigError(() => parse('abc {', `${long}: 1`, '}'), `abc.${long}`, 2, 'path is too long')
    })

    it('names the file in messages', () => {
      const e = expectConfigError(() => parseConfText('a {\n', '/etc/corosync/corosync.conf'), 'a', 1)
      expect(e.message).to.contain('(in /etc/corosync/corosync.conf)')
    })
  })

  describe('lenient extensions (default) and strict mode', () => {
    it('reads a comment after { or } with a warning', () => {
      const root = parse('totem {   # the protocol', 'a: 1', '}  # end of totem')
      expect(keys(section(root, 'totem'))).to.deep.equal([['a', '1', 2]])
      expect(root.warnings?.map((w) => [w.key, w.line])).to.deep.equal([['totem', 1], ['totem', 3]])
      expect(root.warnings?.[0]?.message).to.contain("corosync rejects text after '{'")
    })

    it('reads one-line sections, empty or with key: value pairs, with a warning', () => {
      const root = parse('logging {', '  logger_subsys { subsys: QUORUM  debug: off }   # one subsystem', '}',
        'quorum { }', 'n { ring0_addr: fe80::1  nodeid: 5 }')
      const sub = section(section(root, 'logging'), 'logger_subsys')
      expect(sub).to.include({ line: 2, endLine: 2, path: 'logging.logger_subsys' })
      expect(keys(sub)).to.deep.equal([['subsys', 'QUORUM', 2], ['debug', 'off', 2]])
      expect(section(root, 'quorum').items).to.deep.equal([])
      expect(keys(section(root, 'n'))).to.deep.equal([['ring0_addr', 'fe80::1', 5], ['nodeid', '5', 5]])
      expect(root.warnings?.map((w) => [w.key, w.line])).to.deep.equal([['logging.logger_subsys', 2], ['quorum', 4], ['n', 5]])
      expect(root.warnings?.[0]?.message).to.contain('one-line section')
    })

    it('rejects one-line sections it cannot read', () => {
      expectConfigError(() => parse('a { b: 1'), 'a', 1, "extra characters after '{' ('b: 1')")
      expectConfigError(() => parse('a { junk }'), 'a', 1, "cannot read 'junk'")
      expectConfigError(() => parse('a { b: 1 } junk'), 'a', 1, "extra characters after '{'")
      expectConfigError(() => parse('a { b { } }'), 'a', 1, 'cannot contain sections')
    })

    it('strict mode rejects all of them, as corosync does', () => {
      const strict = (...lines: string[]) => () => parseConfText(`${lines.join('\n')}\n`, undefined, { strict: true })
      expectConfigError(strict('totem { # c', '}'), 'totem', 1, "extra characters after '{'")
      expectConfigError(strict('quorum { }'), 'quorum', 1, "extra characters after '{'")
      expectConfigError(strict('a {', '} # c'), 'a', 2, "'}' must be alone")
      expect(strict('a {', 'b: v # x', '}')).not.to.throw()
    })
  })
})
