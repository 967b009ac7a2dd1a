/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';
import base from './jest.config';

// End-to-end: headless Chromium (playwright-core) against the local stack serving the production build.
const config: Config = {
  ...base,
  testMatch: ['<rootDir>/web-demo/e2e/**/*.e2e.ts'],
  testTimeout: 120_000,
  // Two suites side by side (each its own stack and web port, stack.ts): most of an e2e test's time is waiting.
  maxWorkers: 2,
};

export default config;
