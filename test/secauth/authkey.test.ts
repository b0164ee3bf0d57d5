import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { AUTHKEY_BYTES, generateAuthKey, readAuthKey, writeAuthKey } from '../../lib/crypto/authkey.js'
import { catchCluster } from './helpers.js'

describe('secauth: authkey files', function () {
  let dir: string
  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'ts-ha-authkey-'))
  })
  afterEach(function () {
    rmSync(dir, { recursive: true, force: true })
  })

  it('generates 256 random bytes instantly', function () {
    const t0 = performance.now()
    const a = generateAuthKey()
    const b = generateAuthKey()
    expect(performance.now() - t0).to.be.below(100)
    expect(a).to.have.length(AUTHKEY_BYTES).and.to.have.length(256)
    expect(a.equals(b)).to.equal(false)
    // A crude sanity check of randomness: 256 bytes of CSPRNG output use many distinct values.
    expect(new Set(a).size).to.be.above(128)
  })

  it('writes the key with mode 0400 into a new directory, in well under 100 ms', function () {
    const path = join(dir, 'etc', 'ts-ha', 'authkey')
    const t0 = performance.now()
    const key = writeAuthKey(path)
    expect(performance.now() - t0).to.be.below(100)
    const st = statSync(path)
    expect(st.mode & 0o777).to.equal(0o400)
    expect(st.size).to.equal(256)
    expect(readFileSync(path).equals(key)).to.equal(true)
    expect(readAuthKey(path).equals(key)).to.equal(true)
  })

  it('refuses to overwrite an existing key, and leaves it intact', function () {
    const path = join(dir, 'authkey')
    const first = writeAuthKey(path)
    const err = catchCluster(() => writeAuthKey(path))
    expect(err.code).to.equal('ERR_EXIST')
    expect(err.message).to.include('--force')
    expect(readFileSync(path).equals(first)).to.equal(true)
  })

  it('replaces the key with force, atomically, leaving no temporary file', function () {
    const path = join(dir, 'authkey')
    const first = writeAuthKey(path)
    const second = writeAuthKey(path, { force: true })
    expect(second.equals(first)).to.equal(false)
    expect(readFileSync(path).equals(second)).to.equal(true)
    expect(statSync(path).mode & 0o777).to.equal(0o400)
    expect(readdir(dir)).to.deep.equal(['authkey'])
  })

  for (const mode of [0o644, 0o440, 0o404, 0o420, 0o402, 0o600 | 0o004]) {
    it(`refuses a key file with mode ${mode.toString(8)}, saying to chmod 400`, function () {
      const path = join(dir, 'authkey')
      writeFileSync(path, generateAuthKey())
      chmodSync(path, mode)
      const err = catchCluster(() => readAuthKey(path))
      expect(err.code).to.equal('ERR_CONFIG')
      expect(err.message).to.include(`chmod 400 ${path}`)
    })
  }

  it('accepts 0400 and 0600', function () {
    const path = join(dir, 'authkey')
    writeFileSync(path, generateAuthKey())
    chmodSync(path, 0o600)
    expect(readAuthKey(path)).to.have.length(256)
  })

  it('refuses keys shorter than 128 or longer than 4096 bytes, accepts the limits', function () {
    const path = join(dir, 'authkey')
    for (const size of [0, 1, 127, 128, 4096, 4097, 10_000]) {
      rmSync(path, { force: true })
      writeFileSync(path, Buffer.alloc(size, 1), { mode: 0o400 })
      if (size === 128 || size === 4096) {
        expect(readAuthKey(path), `${size} bytes`).to.have.length(size)
        continue
      }
      const err = catchCluster(() => readAuthKey(path))
      expect(err.code, `${size} bytes`).to.equal('ERR_CONFIG')
      expect(err.message).to.match(size < 128 ? /too short/ : /too long/)
      expect(err.message).to.include(`${size} bytes`).and.to.include('ts-ha keygen')
    }
  })

  it('refuses a missing file, suggesting ts-ha keygen -k <path>', function () {
    const path = join(dir, 'nope', 'authkey')
    const err = catchCluster(() => readAuthKey(path))
    expect(err.code).to.equal('ERR_CONFIG')
    expect(err.message).to.include(`ts-ha keygen -k ${path}`)
  })

  it('quotes odd paths in its hints so they can be pasted into a shell', function () {
    const path = join(dir, "my key's file")
    const err = catchCluster(() => readAuthKey(path))
    expect(err.message).to.include(`ts-ha keygen -k '${dir}/my key'\\''s file'`)
  })

  it('refuses a directory, and refuses to write a key of the wrong size', function () {
    expect(catchCluster(() => readAuthKey(dir)).code).to.equal('ERR_CONFIG')
    expect(catchCluster(() => writeAuthKey(join(dir, 'k'), { key: Buffer.alloc(16) })).code).to.equal('ERR_CONFIG')
    expect(readdir(dir)).to.deep.equal([])
  })
})

function readdir(dir: string): string[] {
  return readdirSync(dir).sort()
}
