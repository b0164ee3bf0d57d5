'use strict'
// Tests run on the compiled JavaScript (tsc → dist/), so no TypeScript loader is involved.
// TEST_SPEC narrows the run (npm run test:sim); mocha would otherwise merge a CLI --spec with this list.
module.exports = {
  spec: process.env.TEST_SPEC ? process.env.TEST_SPEC.split(',') : ['dist/test/**/*.test.js'],
  reporter: './test/support/summary-reporter.cjs',
  timeout: 60000,
  'node-option': ['enable-source-maps'],
}
