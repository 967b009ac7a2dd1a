/**
 * Local mode only. The SDK builds its signed URL as `wss://<endpoint host>/mqtt?<signed query>`: the port is dropped
 * and the scheme is always wss. A route set here re-directs exactly those sockets to the emulator's
 * `ws://127.0.0.1:<port>/mqtt`, keeping the signed query byte for byte; the emulator verifies it against the
 * endpoint host the SDK signed. Without a route (AWS), sockets are opened unchanged.
 *
 * The wrapper is installed when this module loads, because the SDK's websocket-stream captures `WebSocket` when
 * it loads; sdk-transport.ts imports this module before the SDK.
 */
import { assertBrowser } from './environment.js';

let route: { prefix: string; target: string } | undefined;

export function routeIotWebSockets(endpointHost: string, emulatorMqttUrl: string): void {
  assertBrowser('routeIotWebSockets');
  route = { prefix: `wss://${endpointHost}/mqtt?`, target: emulatorMqttUrl.replace(/\?.*$/, '') };
}

/** The URL a socket actually opens: re-routed when it is the SDK's IoT URL and a local route is set. */
export function reroute(url: string): string {
  return route && url.startsWith(route.prefix) ? `${route.target}?${url.slice(route.prefix.length)}` : url;
}

const Native = globalThis.WebSocket as typeof WebSocket | undefined;
if (Native) {
  class IotWebSocket extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(reroute(String(url)), protocols);
    }
  }
  globalThis.WebSocket = IotWebSocket;
}
