/**
 * Authenticated encryption of single datagrams with replay protection: the
 * "secauth" of ts-ha. No I/O, no timers; `secure()` wraps it around a
 * transport.
 *
 * Sealed frame (all integers big-endian):
 *
 * ```text
 * [version u8 = 1][sender nodeId u32][bootId u32][counter u64][ciphertext][GCM tag, 16 bytes]
 *  \______________________ 17-byte header = AAD ______________/
 *                          \____ 12-byte nonce ____/
 * ```
 *
 * Differences from corosync/knet (TOTEM_DIGEST §11.3), and why:
 * - AES-256-GCM (an AEAD) instead of AES-CBC + HMAC with the raw authkey:
 *   one pass, constant-time tag check (knet uses memcmp).
 * - Keys come from HKDF-SHA256, never the raw authkey: salt `ts-ha/v1`, info
 *   `secauth:<clusterName>` gives the cluster key, so two clusters sharing an
 *   authkey cannot read or inject each other's traffic. From the cluster key
 *   a second HKDF (info `sender:<nodeId>`) gives one key per sender: the nonce
 *   names no sender, so without per-sender keys two nodes that booted in the
 *   same second would reuse (key, nonce) pairs — fatal for GCM.
 * - Replay protection (knet has none): per sender, the highest bootId seen,
 *   and a sliding window of {@link REPLAY_WINDOW} counters for that boot.
 *
 * What it does not do: every node holds the authkey and can derive every
 * sender key, so the header's sender is authenticated as "someone with the
 * key", not as that particular node. Replay state lives in memory: a node
 * that restarts can be fed frames captured earlier, once each, until it hears
 * the sender's current boot (Totem itself drops frames of old rings).
 *
 * @module
 */
import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto'
import { ClusterError, ConfigError } from '../errors.js'
import { AUTHKEY_MAX_BYTES, AUTHKEY_MIN_BYTES } from './authkey.js'

/** Wire version of the sealed frame. */
export const SEAL_VERSION = 1
/** Header bytes: version, sender, bootId, counter. */
export const SEAL_HEADER_BYTES = 17
/** GCM tag bytes. */
export const SEAL_TAG_BYTES = 16
/** Bytes sealing adds to every datagram: header + tag. */
export const SEAL_OVERHEAD = 33
/** Counters per sender remembered for the current boot; older ones are replays. */
export const REPLAY_WINDOW = 1024

const SALT = 'ts-ha/v1'
const CIPHER = 'aes-256-gcm'
/** Counters stay JS-number exact; 2^53 frames is centuries at any realistic rate, far before u64 wraps. */
const COUNTER_MAX = Number.MAX_SAFE_INTEGER
const U32 = 0x1_0000_0000

/** What {@link FrameCrypto} needs; see `secure()` for how the transport fills it in. */
export interface FrameCryptoOptions {
  /** The shared authkey, 128..4096 bytes (`readAuthKey()`). Not retained: only derived keys are kept. */
  readonly authKey: Uint8Array
  /** Separates key domains: another cluster name gives unrelated keys. */
  readonly clusterName: string
  /** This node's id (1..2^32-1), written into every sealed frame. */
  readonly nodeId: number
  /**
   * Identifies this run of the node, 0..2^32-1; must be larger than the bootId
   * of every earlier run of the same nodeId with the same key, and never reused:
   * the nonce is bootId‖counter and the counter restarts at 0. Wall-clock
   * seconds (`Math.floor(Date.now() / 1000)`) grow across restarts, but two
   * runs started within the same second would share one, so `claimBootId()` (in `secure.ts`)
   * waits for the next second instead. A clock stepped backwards across a
   * restart breaks the rule too (receivers then drop the node's frames as
   * replays until the clock catches up).
   */
  readonly bootId: number
  /** @internal For tests only: the first counter to use. Default 0. */
  readonly firstCounter?: number
}

/** Why {@link FrameCrypto.open} refused a datagram. */
export type OpenFailure =
  /** Shorter than {@link SEAL_OVERHEAD}. */
  | 'short'
  /** Unknown version byte, or a counter this implementation never sends. */
  | 'version'
  /** Tag mismatch: tampered, wrong key, other cluster, or no sender id. */
  | 'auth'
  /** Authentic but already seen, too old, from an older boot, or our own frame reflected back. */
  | 'replay'

/** Result of {@link FrameCrypto.open}. */
export type OpenResult =
  | { readonly ok: true; readonly plain: Uint8Array; readonly sender: number }
  | { readonly ok: false; readonly reason: OpenFailure }

/** Replay state of one sender: its current boot and which recent counters were seen. */
interface SenderWindow {
  bootId: number
  highest: number
  /** Bit (counter mod REPLAY_WINDOW) set = that counter was accepted. */
  readonly seen: Uint32Array
}

/**
 * Seals and opens datagrams of one node; see the module comment for the
 * format. One instance per (node, boot): two live instances with the same
 * nodeId and bootId would reuse nonces.
 */
export class FrameCrypto {
  readonly nodeId: number
  readonly bootId: number
  readonly #clusterKey: Buffer
  readonly #ownKey: KeyObject
  /** Only senders that passed authentication, so forged frames cannot grow these maps. */
  readonly #keys = new Map<number, KeyObject>()
  readonly #windows = new Map<number, SenderWindow>()
  #counter: number

  constructor(options: FrameCryptoOptions) {
    checkCryptoOptions(options)
    this.nodeId = options.nodeId
    this.bootId = options.bootId
    this.#counter = options.firstCounter ?? 0
    this.#clusterKey = Buffer.from(hkdfSync('sha256', options.authKey, SALT, `secauth:${options.clusterName}`, 32))
    this.#ownKey = this.#deriveSenderKey(this.nodeId)
  }

  /** Frames sealed so far (the next counter), for diagnostics. */
  get counter(): number {
    return this.#counter
  }

  /**
   * Encrypts and authenticates one datagram; the result is
   * {@link SEAL_OVERHEAD} bytes longer.
   *
   * @throws ClusterError `ERR_TRANSPORT` once the counter is exhausted (never
   *   reuse a nonce); a restart gives a new bootId.
   */
  seal(plain: Uint8Array): Uint8Array {
    const counter = this.#counter
    if (counter >= COUNTER_MAX) throw new ClusterError('ERR_TRANSPORT', `secauth: node ${this.nodeId} exhausted its frame counter for boot ${this.bootId}; restart the node`)
    this.#counter = counter + 1
    const out = Buffer.allocUnsafe(SEAL_OVERHEAD + plain.length)
    out[0] = SEAL_VERSION
    out.writeUInt32BE(this.nodeId, 1)
    out.writeUInt32BE(this.bootId, 5)
    out.writeUInt32BE(Math.floor(counter / U32), 9)
    out.writeUInt32BE(counter >>> 0, 13)
    // The nonce is bootId‖counter, which is exactly header bytes 5..16.
    const cipher = createCipheriv(CIPHER, this.#ownKey, out.subarray(5, SEAL_HEADER_BYTES), { authTagLength: SEAL_TAG_BYTES })
    cipher.setAAD(out.subarray(0, SEAL_HEADER_BYTES))
    const body = cipher.update(plain)
    body.copy(out, SEAL_HEADER_BYTES)
    // GCM is a stream mode: final() emits nothing, only computes the tag.
    cipher.final()
    cipher.getAuthTag().copy(out, SEAL_HEADER_BYTES + body.length)
    return out
  }

  /**
   * Checks and decrypts one datagram. Never throws on bad input; a frame is
   * only recorded as seen once its tag has verified, so forgeries cannot move
   * a sender's replay window.
   */
  open(sealed: Uint8Array): OpenResult {
    if (sealed.length < SEAL_OVERHEAD) return { ok: false, reason: 'short' }
    const frame = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.length)
    if (frame[0] !== SEAL_VERSION) return { ok: false, reason: 'version' }
    const sender = frame.readUInt32BE(1)
    // Node id 0 is never valid and we never seal with it; not worth a key derivation.
    if (sender === 0) return { ok: false, reason: 'auth' }
    const key = this.#keys.get(sender) ?? (sender === this.nodeId ? this.#ownKey : this.#deriveSenderKey(sender))
    const plain = decrypt(key, frame)
    if (plain === undefined) return { ok: false, reason: 'auth' }
    if (!this.#keys.has(sender)) this.#keys.set(sender, key)
    const bootId = frame.readUInt32BE(5)
    const high = frame.readUInt32BE(9)
    const counter = high * U32 + frame.readUInt32BE(13)
    if (counter > COUNTER_MAX) return { ok: false, reason: 'version' }
    // Transports never loop our datagrams back, so one of ours arriving from outside was reflected.
    if (sender === this.nodeId) return { ok: false, reason: 'replay' }
    if (!this.#accept(sender, bootId, counter)) return { ok: false, reason: 'replay' }
    return { ok: true, plain, sender }
  }

  #deriveSenderKey(sender: number): KeyObject {
    return createSecretKey(Buffer.from(hkdfSync('sha256', this.#clusterKey, SALT, `sender:${sender}`, 32)))
  }

  /** Replay check and update for an authentic frame; true if it is new. */
  #accept(sender: number, bootId: number, counter: number): boolean {
    const w = this.#windows.get(sender)
    if (w === undefined || bootId > w.bootId) {
      // First frame of this sender, or it restarted: start a fresh window at this counter.
      const fresh: SenderWindow = { bootId, highest: counter, seen: new Uint32Array(REPLAY_WINDOW / 32) }
      markSeen(fresh.seen, counter)
      this.#windows.set(sender, fresh)
      return true
    }
    if (bootId < w.bootId) return false
    if (counter > w.highest) {
      advance(w, counter)
      return true
    }
    if (w.highest - counter >= REPLAY_WINDOW) return false
    if (isSeen(w.seen, counter)) return false
    markSeen(w.seen, counter)
    return true
  }
}

/** Verifies and decrypts; undefined when the tag does not match (node:crypto compares in constant time). */
function decrypt(key: KeyObject, frame: Buffer): Buffer | undefined {
  const tagAt = frame.length - SEAL_TAG_BYTES
  try {
    const decipher = createDecipheriv(CIPHER, key, frame.subarray(5, SEAL_HEADER_BYTES), { authTagLength: SEAL_TAG_BYTES })
    decipher.setAAD(frame.subarray(0, SEAL_HEADER_BYTES))
    decipher.setAuthTag(frame.subarray(tagAt))
    const plain = decipher.update(frame.subarray(SEAL_HEADER_BYTES, tagAt))
    // Throws on a tag mismatch; the plaintext above is discarded then.
    decipher.final()
    return plain
  } catch {
    return undefined
  }
}

/** Slides the window up to `counter`, clearing the slots of counters it skipped (they were never seen). */
function advance(w: SenderWindow, counter: number): void {
  if (counter - w.highest >= REPLAY_WINDOW) w.seen.fill(0)
  else for (let c = w.highest + 1; c < counter; c++) clearSeen(w.seen, c)
  w.highest = counter
  markSeen(w.seen, counter)
}

function slot(counter: number): [word: number, bit: number] {
  const i = counter % REPLAY_WINDOW
  return [i >>> 5, 1 << (i & 31)]
}

function isSeen(seen: Uint32Array, counter: number): boolean {
  const [word, bit] = slot(counter)
  return ((seen[word] ?? 0) & bit) !== 0
}

function markSeen(seen: Uint32Array, counter: number): void {
  const [word, bit] = slot(counter)
  seen[word] = (seen[word] ?? 0) | bit
}

function clearSeen(seen: Uint32Array, counter: number): void {
  const [word, bit] = slot(counter)
  seen[word] = (seen[word] ?? 0) & ~bit
}

/**
 * Validates {@link FrameCryptoOptions} (the bootId too, if present), so a
 * transport can refuse bad options at construction rather than at open().
 *
 * @throws ConfigError naming the offending option.
 */
export function checkCryptoOptions(o: Omit<FrameCryptoOptions, 'bootId'> & { readonly bootId?: number | undefined }): void {
  if (!(o.authKey instanceof Uint8Array)) throw new ConfigError('authKey', 'must be a Uint8Array (see readAuthKey)')
  if (o.authKey.length < AUTHKEY_MIN_BYTES || o.authKey.length > AUTHKEY_MAX_BYTES) {
    throw new ConfigError('authKey', `must be ${AUTHKEY_MIN_BYTES}..${AUTHKEY_MAX_BYTES} bytes, got ${o.authKey.length}`)
  }
  if (typeof o.clusterName !== 'string') throw new ConfigError('clusterName', 'must be a string')
  if (!isU32(o.nodeId) || o.nodeId === 0) throw new ConfigError('nodeId', `must be an integer in 1..4294967295, got ${o.nodeId}`)
  if (o.bootId !== undefined && !isU32(o.bootId)) throw new ConfigError('bootId', `must be an integer in 0..4294967295, got ${o.bootId}`)
  const first = o.firstCounter
  if (first !== undefined && !(Number.isInteger(first) && first >= 0 && first <= COUNTER_MAX)) {
    throw new ConfigError('firstCounter', `must be an integer in 0..${COUNTER_MAX}, got ${first}`)
  }
}

function isU32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n < U32
}
