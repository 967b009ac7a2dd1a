/**
 * Where the client runs: browsers. The SDK's browser build it drives reads `window` when it connects and opens
 * WebSockets the browser's way; in Node that would fail deep inside the SDK ("window is not defined"), so the parts
 * that need a browser say so first, with what to use instead.
 */

/** This client runs in browsers only; the message says what to use elsewhere. */
export class UnsupportedEnvironmentError extends Error {
  override readonly name = 'UnsupportedEnvironmentError';
}

/** Whether this is a browser (a window with WebSocket): where sdkTransport and routeIotWebSockets work. */
export function isBrowser(): boolean {
  const g = globalThis as { window?: unknown; WebSocket?: unknown };
  return typeof g.window === 'object' && g.window !== null && typeof g.WebSocket === 'function';
}

export function assertBrowser(what: string): void {
  if (isBrowser()) return;
  throw new UnsupportedEnvironmentError(
    `${what} runs in browsers only (it drives the AWS IoT Device SDK's browser build, which needs window and WebSocket). ` +
      'In Node, connect with aws-iot-device-sdk-v2 itself (its native MQTT client), or publish from a server with @iot-realtime/realtime-server.',
  );
}
