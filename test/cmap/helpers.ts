import { expect } from 'chai'
import { ClusterError, type ClusterErrorCode } from '../../lib/errors.js'

/** Runs `fn`, expects a ClusterError with `code`, returns it for message checks. */
export function clusterError(fn: () => unknown, code: ClusterErrorCode = 'ERR_INVALID_ARGUMENT'): ClusterError {
  try {
    fn()
  } catch (error) {
    if (error instanceof ClusterError) {
      expect(error.code, error.message).to.equal(code)
      return error
    }
    expect.fail(`expected a ClusterError, got ${String(error)}`)
  }
  expect.fail('expected a ClusterError, nothing was thrown')
}
