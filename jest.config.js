/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 30000,
  // The last line of every run is "N passed, N failed" (CI reads it).
  reporters: ['default', '<rootDir>/test/helpers/summaryReporter.js'],
  // Integration tests start servers on port 0; a hung handle must fail the run, not stall it.
  forceExit: false,
};
