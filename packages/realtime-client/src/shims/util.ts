/**
 * What bundlers should give the SDK's dependencies for Node's `util`: nothing. readable-stream (under the SDK's
 * WebSocket stream) asks for `util.debuglog` and `util.inspect.custom` and works without them; Vite would otherwise
 * substitute a proxy that prints "Module "util" has been externalized" warnings in the browser console. Alias `util`
 * to this module (web-demo/vite.config.ts does).
 */
export {};
