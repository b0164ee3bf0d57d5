/**
 * The JSON CIB model: configuration and status types, INFINITY score
 * arithmetic, Pacemaker's defaults and the validator.
 *
 * @module
 */
export * from './config.js'
export * from './status.js'
export * from './scores.js'
export * from './defaults.js'
export * from './validate.js'
