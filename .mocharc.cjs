'use strict'
// Tests run on the compiled JavaScript (tsc → dist/), so no TypeScript loader is involved.
module.exports = {
  spec: ['dist/test/**/*.test.js'],
  reporter: './test/support/summary-reporter.cjs',
  timeout: 60000,
  'node-option': ['enable-source-maps'],
}
