import { spawn } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { Cluster } from '../cluster/cluster.js'
import type { ClusterOptions } from '../cluster/options.js'
import { loadConfigFile } from '../config/index.js'
import { ClusterError } from '../errors.js'
import { formatRingId } from '../status/snapshot.js'
import { EXIT_ERROR, EXIT_OK, type CliOutput } from './command.js'
import { parseCommandLine, stringValue, usageError, type Values } from './common.js'
import { NODE_RUN_USAGE } from './node-run-usage.js'

export const NODE_RUN_OPTIONS = {
  conf: { type: 'string', short: 'c' }, 'node-id': { type: 'string', short: 'n' }, 'admin-socket': { type: 'string' }, 'no-admin': { type: 'boolean' },
  'metrics-port': { type: 'string' }, 'metrics-host': { type: 'string' }, 'state-dir': { type: 'string' }, 'ready-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

/** Command-line overrides of the file's options, or a usage error. */
function overrides(values: Values): Partial<ClusterOptions> | string {
  const out: { -readonly [K in keyof ClusterOptions]?: ClusterOptions[K] } = {}
  const id = stringValue(values, 'node-id')
  if (id !== undefined) {
    if (!/^\d+$/.test(id) || Number(id) < 1) return `--node-id takes a positive integer, got '${id}'`
    out.nodeId = Number(id)
  }
  const socket = stringValue(values, 'admin-socket')
  if (values['no-admin'] === true) out.admin = false
  else if (socket !== undefined) out.admin = { socket }
  const port = stringValue(values, 'metrics-port')
  if (port !== undefined) {
    if (!/^\d+$/.test(port) || Number(port) > 65535) return `--metrics-port takes a port number, got '${port}'`
    const host = stringValue(values, 'metrics-host')
    out.metrics = { port: Number(port), ...(host === undefined ? {} : { host }) }
  }
  const stateDir = stringValue(values, 'state-dir')
  if (stateDir !== undefined) out.stateDir = stateDir
  return out
}

/** Tells systemd (Type=notify) that the node is ready; needs NotifyAccess=all since a helper sends it. */
function notifySystemd(io: CliOutput): void {
  if (process.env['NOTIFY_SOCKET'] === undefined) return
  const child = spawn('systemd-notify', ['--ready', `--pid=${process.pid}`], { stdio: 'ignore' })
  child.on('error', (e) => { io.err(`ts-ha node: could not notify systemd: ${e.message}`) })
}

/** Logs the node's life to stderr, one line per event. */
function logEvents(cluster: Cluster, log: (line: string) => void, onReady: () => void): void {
  let ready = false
  cluster.on('membership', (e) => {
    log(`membership: ring ${formatRingId(e.ringId)}, members [${e.members.map((m) => m.nodeId).join(' ')}], joined [${e.joined.map((m) => m.nodeId).join(' ')}], left [${e.left.map((m) => m.nodeId).join(' ')}]`)
  })
  cluster.on('quorum', (q) => {
    log(`quorum: ${q.quorate ? 'quorate' : 'NOT quorate'} (${q.votes} of ${q.expectedVotes} expected votes, ${q.quorum} needed)`)
    if (q.quorate && !ready) {
      ready = true
      onReady()
    }
  })
  cluster.on('warning', (w) => { log(`warning ${w.code}: ${w.message}`) })
}

/** `ts-ha node run`: resolves to the exit status once the node has stopped. */
export async function nodeRun(args: string[], io: CliOutput): Promise<number> {
  const parsed = parseCommandLine('node run', NODE_RUN_USAGE, args, NODE_RUN_OPTIONS, io)
  if (typeof parsed === 'number') return parsed
  const { values, positionals } = parsed
  if (positionals.length > 0) return usageError('node run', `unexpected argument '${positionals[0]}'`, io)
  const conf = stringValue(values, 'conf')
  if (conf === undefined) return usageError('node run', '--conf <corosync.conf> is required', io)
  const extra = overrides(values)
  if (typeof extra === 'string') return usageError('node run', extra, io)
  let cluster: Cluster
  try {
    const loaded = loadConfigFile(conf, extra)
    for (const w of loaded.warnings) io.err(`ts-ha node: ${conf}: ${w.line === undefined ? '' : `line ${w.line}: `}${w.message}`)
    cluster = new Cluster(loaded.options)
  } catch (error) {
    if (!(error instanceof ClusterError)) throw error
    io.err(`ts-ha node: ${error.message}`)
    return EXIT_ERROR
  }
  return runNode(cluster, io, stringValue(values, 'ready-file'))
}

/** Starts the node and waits for SIGTERM/SIGINT (a second one exits at once) or an engine failure. */
async function runNode(cluster: Cluster, io: CliOutput, readyFile: string | undefined): Promise<number> {
  const self = cluster.clm.node(cluster.nodeId)?.name ?? `node${cluster.nodeId}`
  const log = (line: string): void => { io.err(`ts-ha node ${cluster.options.clusterName}/${self}: ${line}`) }
  logEvents(cluster, log, () => {
    log('ready (quorate)')
    if (readyFile !== undefined) writeFileSync(readyFile, `${process.pid}\n`)
    notifySystemd(io)
  })
  let stopping = false
  let onSignal: (signal: NodeJS.Signals) => void = () => {}
  const stopped = new Promise<number>((resolve) => {
    onSignal = (signal) => {
      if (stopping) { log(`${signal} again: exiting without leaving`); resolve(EXIT_ERROR); return }
      stopping = true
      log(`${signal}: leaving the cluster`)
      cluster.stop().then(() => { resolve(EXIT_OK) }, () => { resolve(EXIT_ERROR) })
    }
    cluster.on('error', (e) => { log(`engine failed: ${e.message}`); resolve(EXIT_ERROR) })
  })
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  try {
    await cluster.start()
    log(`running: admin socket ${cluster.adminSocket ?? 'none'}${cluster.metricsUrl === undefined ? '' : `, metrics and status page ${cluster.metricsUrl}`}`)
  } catch (error) {
    if (!stopping) {
      log(`cannot start: ${error instanceof Error ? error.message : String(error)}`)
      await cluster.stop()
      stopping = true
      return EXIT_ERROR
    }
  }
  const code = await stopped
  process.off('SIGTERM', onSignal)
  process.off('SIGINT', onSignal)
  if (readyFile !== undefined) rmSync(readyFile, { force: true })
  log('stopped')
  return code
}
