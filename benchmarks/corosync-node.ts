import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sleep } from './stats.js'

/**
 * One real Corosync 3 node for side-by-side figures: in a network namespace
 * of its own (libqb's abstract IPC sockets live per namespace, so it meets
 * no other corosync on the machine) and a private mount namespace (its
 * /run and /var/lib/corosync are tmpfs). stop() ends it by PID and deletes
 * the namespace.
 */
export interface CorosyncNode {
  /** Runs `sh -c script` inside the node's namespace. */
  shell(script: string): string
  stop(): Promise<void>
}

const CONF = `totem {
  version: 2
  cluster_name: anchor
  transport: knet
  crypto_cipher: none
  crypto_hash: none
}
nodelist {
  node {
    ring0_addr: 127.0.0.1
    nodeid: 1
    name: n1
  }
}
quorum {
  provider: corosync_votequorum
}
logging {
  to_stderr: yes
  to_syslog: no
  to_logfile: no
}
`

/** Why no Corosync node can run here, or undefined. */
export function corosyncUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: the Corosync node needs its own network namespace'
  for (const tool of ['corosync', 'corosync-quorumtool', 'corosync-cmapctl', 'unshare', 'ip']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is missing (Debian package corosync)`
  }
  return undefined
}

export async function startCorosync(): Promise<CorosyncNode> {
  const dir = mkdtempSync(join(tmpdir(), 'tsha-cs-'))
  const conf = join(dir, 'corosync.conf')
  writeFileSync(conf, CONF)
  const ns = `tshacs${process.pid % 100000}`
  spawnSync('ip', ['netns', 'add', ns], { stdio: 'inherit' })
  spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up'])
  const mounts = 'mount -t tmpfs none /run && mkdir -p /run/corosync && mount -t tmpfs none /var/lib/corosync && (mount -t tmpfs none /var/log/corosync || true)'
  const child: ChildProcess = spawn('ip', ['netns', 'exec', ns, 'unshare', '-m', '--propagation', 'private', 'sh', '-c', `${mounts} && exec corosync -f -c ${conf}`],
    { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  child.stderr!.setEncoding('utf8').on('data', (c: string) => { log += c })
  const shell = (script: string): string => spawnSync('ip', ['netns', 'exec', ns, 'sh', '-c', script], { encoding: 'utf8' }).stdout
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) child.kill('SIGTERM')
    await Promise.race([new Promise((r) => child.once('exit', r)), sleep(5000)])
    if (child.exitCode === null) child.kill('SIGKILL')
    spawnSync('ip', ['netns', 'del', ns])
    rmSync(dir, { recursive: true, force: true })
  }
  for (let i = 0; i < 100 && !log.includes('ready to provide service'); i++) await sleep(100)
  if (!log.includes('ready to provide service')) {
    await stop()
    throw new Error(`corosync did not come up:\n${log}`)
  }
  return { shell, stop }
}
