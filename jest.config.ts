/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

// Native ESM: `npm test` runs jest under --experimental-vm-modules; @swc/jest strips types only.
const config: Config = {
  testEnvironment: 'node',
  // The workspace packages resolve to their TypeScript sources (their `exports` condition), not to a dist/ to build first.
  testEnvironmentOptions: { customExportConditions: ['iot-realtime-source', 'node', 'node-addons'] },
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'es6' } }],
  },
  // Sources import siblings with the `.js` extension (NodeNext); map them back to `.ts` for jest.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/cdktf.out/', '/dist/'],
  testTimeout: 20_000,
  // Two workers even on two cores (jest's default leaves one core idle): most suites wait on sockets and worker
  // threads rather than compute. Measured on a 2-core machine: 184 s instead of 304 to 362 s with one worker.
  maxWorkers: 2,
};

export default config;
