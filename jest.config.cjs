// Unit tests live beside the code they test; end-to-end tests live in test/e2e and
// run real processes (the sandbox, the built layer), so they get a longer timeout.
const transform = { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] };
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      roots: ['<rootDir>/protocol', '<rootDir>/extension', '<rootDir>/in-process-agent', '<rootDir>/scripts', '<rootDir>/test/checks'],
      testMatch: ['**/*.test.ts'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      roots: ['<rootDir>/test'],
      testMatch: ['**/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/e2e/global-setup.cjs',
      testTimeout: 60000,
    },
  ],
};
