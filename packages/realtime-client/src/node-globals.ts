/**
 * aws-crt's browser build (through mqtt.js, mqtt-packet and readable-stream) reads `process.nextTick`,
 * `process.env`, `process.version` and the global `Buffer`, and some of its dependencies Node's `global` (end-of-stream
 * when it loads, websocket-stream when it opens a socket). Browsers have none of them; a minimal `process`, the
 * `buffer` package's Buffer and `global` (= globalThis) are installed before those modules load (this module is
 * imported first by sdk-transport.ts), instead of a whole Node polyfill or a bundler `define`.
 */
import { Buffer } from 'buffer';

type ProcessShim = {
  env: Record<string, string>;
  browser: boolean;
  version: string;
  versions: Record<string, string>;
  title: string;
  nextTick: (fn: (...args: unknown[]) => void, ...args: unknown[]) => void;
};

const g = globalThis as unknown as { process?: ProcessShim; Buffer?: typeof Buffer; global?: typeof globalThis };
g.global ??= globalThis;
g.Buffer ??= Buffer;
g.process ??= {
  env: {},
  browser: true,
  version: '',
  versions: {},
  title: 'browser',
  nextTick: (fn, ...args) => queueMicrotask(() => fn(...args)),
};
