import { faulty, type FaultOptions } from '../transport/faulty.js'
import type { Transport } from '../transport/transport.js'

/**
 * Knobs for the project's own tests and benchmarks, never for applications.
 * They come from the environment so that they reach an engine running in a
 * worker thread of a node process without any public option:
 *
 * - `TSHA_TEST_FAULTS`: JSON {@link FaultOptions}; the node's transport is
 *   wrapped in {@link faulty} (the real-process corruption test);
 * - `TSHA_TEST_FRAME_CHECKSUM=off`: plain-mode frames carry no CRC-32C (what
 *   the checksum costs, in benchmarks; every node of a cluster must agree).
 *
 * @internal
 */
export function withTestFaults(transport: Transport, env: NodeJS.ProcessEnv = process.env): Transport {
  const json = env['TSHA_TEST_FAULTS']
  if (json === undefined || json === '') return transport
  return faulty(transport, JSON.parse(json) as FaultOptions)
}

/** @internal See {@link withTestFaults}. */
export function testFrameChecksum(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['TSHA_TEST_FRAME_CHECKSUM'] !== 'off'
}
