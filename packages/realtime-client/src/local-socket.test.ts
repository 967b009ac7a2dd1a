import { reroute, routeIotWebSockets } from './local-socket.js';

describe('local re-routing of the SDK socket', () => {
  it("rewrites only the SDK's IoT URL, keeping the signed query byte for byte", () => {
    const signed = 'wss://localhost/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc&X-Amz-Security-Token=a%2Bb';
    expect(reroute(signed)).toBe(signed);
    // A browser's globals, for the call that only browsers may make (environment.test.ts covers Node's refusal).
    const g = globalThis as { window?: unknown; WebSocket?: unknown };
    const saved = { window: g.window, WebSocket: g.WebSocket };
    Object.assign(g, { window: globalThis, WebSocket: class {} });
    try {
      routeIotWebSockets('localhost', 'ws://127.0.0.1:4510/mqtt');
    } finally {
      Object.assign(g, saved);
    }
    expect(reroute(signed)).toBe('ws://127.0.0.1:4510/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc&X-Amz-Security-Token=a%2Bb');
    expect(reroute('wss://other.example/mqtt?x=1')).toBe('wss://other.example/mqtt?x=1');
    expect(reroute('wss://localhost/other?x=1')).toBe('wss://localhost/other?x=1');
  });
});
