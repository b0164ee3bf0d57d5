import { ClusterError } from '../../lib/errors.js'

/** Runs `fn`, expecting a ClusterError; returns it for further checks. */
export function catchCluster(fn: () => unknown): ClusterError {
  try {
    fn()
  } catch (err) {
    if (err instanceof ClusterError) return err
    throw err
  }
  throw new Error('expected a ClusterError')
}
