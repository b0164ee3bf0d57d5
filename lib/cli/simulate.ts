import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { ClusterError } from '../errors.js'
import type { CibConfig } from '../resources/model/config.js'
import type { CibStatus } from '../resources/model/status.js'
import { validateCib } from '../resources/model/validate.js'
import { importPacemakerCib, toScheduleInput } from '../resources/pacemaker/xml-import.js'
import type { ScheduleInput } from '../resources/scheduler/schedule.js'
import { formatSimulation, simulate } from '../resources/simulate.js'
import { EXIT_ERROR, EXIT_OK, EXIT_USAGE, processOutput, type CliCommand, type CliOutput } from './command.js'

const USAGE = `usage: ts-ha simulate -x|--xml-file FILE [--node-fail NODE]... [--op-fail SPEC]... [--scores] [--json]

Schedules a cluster state the way Pacemaker's crm_simulate -S does, with no
cluster running: prints the current status, the Transition Summary, the
actions it would execute, and the status afterwards.

  -x, --xml-file FILE   a Pacemaker CIB (XML) or a ts-ha JSON CIB
                        ({ "config": …, "status": …, "quorate": …, "dc": …, "now": … })
      --node-fail NODE  treat NODE as failed before scheduling (repeatable)
      --op-fail SPEC    rsc_op_intervalMs@node=rc: fail that action when executing (repeatable)
  -s, --scores          show allocation scores
      --json            print the result as JSON
  -h, --help            show this help`

interface JsonCib { config: CibConfig; status?: CibStatus; quorate?: boolean; hadQuorum?: boolean; dc?: string; now?: number }

/** The scheduler input, and the CIB's own execution date when it carries one (crm_simulate announces it). */
function readInput(path: string): { input: ScheduleInput; executionDate?: number } {
  const text = readFileSync(path, 'utf8')
  // The shell supplies "now" when the CIB does not carry an execution date.
  const wallClock = Date.now() // determinism-exempt: the CLI shell gives the pure scheduler its now
  if (text.trimStart().startsWith('{')) {
    const doc = JSON.parse(text) as JsonCib
    validateCib(doc.config)
    return { input: { config: doc.config, status: doc.status ?? { nodes: {} }, quorate: doc.quorate ?? true, hadQuorum: doc.hadQuorum, dc: doc.dc, now: doc.now ?? wallClock } }
  }
  const cib = importPacemakerCib(text, { now: wallClock })
  const input = toScheduleInput(cib, wallClock)
  return cib.now === undefined ? { input } : { input, executionDate: cib.now }
}

type Values = { 'xml-file'?: string; 'node-fail'?: string[]; 'op-fail'?: string[]; scores?: boolean; json?: boolean; help?: boolean }

function parse(args: string[], io: CliOutput): Values | number {
  try {
    return parseArgs({
      args,
      options: {
        'xml-file': { type: 'string', short: 'x' },
        'node-fail': { type: 'string', multiple: true },
        'op-fail': { type: 'string', multiple: true },
        scores: { type: 'boolean', short: 's' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values as Values
  } catch (err) {
    io.err(`ts-ha simulate: ${err instanceof Error ? err.message : String(err)}`)
    io.err(USAGE)
    return EXIT_USAGE
  }
}

/**
 * `ts-ha simulate`: crm_simulate -S for a CIB file.
 *
 * @returns 0 on success, 1 when the CIB cannot be read (reason on stderr), 2 on bad arguments.
 */
export function simulateCommand(args: string[], io: CliOutput = processOutput): number {
  const values = parse(args, io)
  if (typeof values === 'number') return values
  if (values.help === true) { io.out(USAGE); return EXIT_OK }
  const file = values['xml-file']
  if (file === undefined) { io.err('ts-ha simulate: -x/--xml-file is required'); io.err(USAGE); return EXIT_USAGE }
  let read: ReturnType<typeof readInput>
  try {
    read = readInput(file)
  } catch (err) {
    if (err instanceof ClusterError || err instanceof SyntaxError) { io.err(`ts-ha simulate: ${file}: ${err.message}`); return EXIT_ERROR }
    const code = (err as NodeJS.ErrnoException).code
    if (code !== undefined) { io.err(`ts-ha simulate: cannot read ${file}: ${code}`); return EXIT_ERROR }
    throw err
  }
  const sim = simulate(read.input, { nodeFail: values['node-fail'] ?? [], opFail: values['op-fail'] ?? [] })
  if (values.json === true) {
    io.out(JSON.stringify({ summary: sim.result.summary, actions: sim.result.actions, edges: sim.result.edges,
      scores: sim.result.scores, recheckAt: sim.result.recheckAt, current: sim.current, revised: sim.revised }, null, 2))
  } else {
    io.out(formatSimulation(sim, values.scores === true, read.executionDate))
  }
  return EXIT_OK
}

/** The `simulate` entry of the `ts-ha` command table. */
export const simulateCli: CliCommand = {
  summary: "schedule a CIB like crm_simulate -S (no cluster needed)",
  usage: USAGE,
  run: (args) => simulateCommand(args),
}
