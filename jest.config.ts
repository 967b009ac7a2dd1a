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
};

export default config;
