/** Unit tests (fast, fake Remote) and end-to-end tests (real sshd, nginx, JRE from the lab). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  globalSetup: '<rootDir>/__tests__/global-setup.cjs',
  testTimeout: 180000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/scripts/plain-summary-reporter.mjs'],
  verbose: true
}
