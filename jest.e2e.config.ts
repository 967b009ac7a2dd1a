/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';
import base from './jest.config';

// End-to-end: headless Chromium (playwright-core) against the local stack serving the production build.
const config: Config = {
  ...base,
  testMatch: ['<rootDir>/web-demo/e2e/**/*.e2e.ts'],
  testTimeout: 120_000,
  maxWorkers: 1,
};

export default config;
