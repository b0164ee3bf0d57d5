/**
 * Leader election with a distributed lock, the safe way: the holder's work
 * is guarded by its fencing token. Three processes compete for the lock
 * `leader`; the winner "writes" to a shared store (a file here) that refuses
 * any token lower than the highest it has seen. Kill the leader with
 * `kill -9` and another process takes over with a higher token.
 *
 *   node dist/examples/leader-lock.js 1   (and 2, 3 in other terminals)
 *
 * Port 5405 on 127.0.0.1–3 (LEADER_PORT to change it); the store is
 * $LEADER_STORE (default ./leader-store.log).
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { Cluster } from 'ts-ha'

const nodeId = Number(process.argv[2] ?? 1)
const store = process.env['LEADER_STORE'] ?? 'leader-store.log'
const nodes = [1, 2, 3].map((id) => ({ nodeId: id, addr: `127.0.0.${id}` }))
const cluster = new Cluster({ clusterName: 'leader', nodeId, nodes, port: Number(process.env['LEADER_PORT'] ?? 5405), totem: { token: 1000 } })

/** The fenced resource: accepts a write only with a token at least as high as any it has accepted. */
function fencedWrite(token: bigint, line: string): boolean {
  const last = existsSync(store) ? readFileSync(store, 'utf8').trim().split('\n').filter(Boolean).at(-1) : undefined
  const highest = last === undefined ? -1n : BigInt(last.split(' ')[0]!)
  if (token < highest) return false
  appendFileSync(store, `${token} ${line}\n`)
  return true
}

const stop = new AbortController()
process.once('SIGINT', () => { stop.abort() })
process.once('SIGTERM', () => { stop.abort() })
await cluster.start({ waitFor: 'quorum', signal: stop.signal })
console.log(`node ${nodeId} joined; waiting for the leader lock`)

while (!stop.signal.aborted) {
  try {
    await cluster.locks.using('leader', async (signal, token) => {
      console.log(`leader: node ${nodeId} with fencing token ${token}`)
      const both = AbortSignal.any([signal, stop.signal])
      for (let n = 1; !both.aborted; n++) {
        if (!fencedWrite(token, `node ${nodeId} work ${n}`)) {
          console.log(`store refused token ${token}: a newer leader exists`)
          return
        }
        await sleep(250, undefined, { signal: both }).catch(() => {})
      }
      console.log(`node ${nodeId} stops leading (${signal.aborted ? 'lock lost' : 'stopping'})`)
    }, { signal: stop.signal })   // with a signal, the acquire waits for quorum rather than failing without it
  } catch (error) {
    if (stop.signal.aborted) break
    throw error
  }
}
await cluster.stop()
