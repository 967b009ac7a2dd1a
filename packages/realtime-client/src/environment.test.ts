/** In Node (this test's environment) the browser-only parts refuse clearly instead of failing inside the SDK. */
import { RefreshingCredentials } from './credentials.js';
import { isBrowser, UnsupportedEnvironmentError } from './environment.js';
import { RealtimeClient, routeIotWebSockets, sdkTransport } from './index.js';

describe('outside a browser', () => {
  it('is not a browser', () => {
    expect(isBrowser()).toBe(false);
  });

  it('refuses to build the SDK transport with a clear error instead of "window is not defined"', () => {
    const credentials = new RefreshingCredentials({ fetch: async () => Promise.reject(new Error('unused')) });
    const make = () =>
      new RealtimeClient({ endpoint: 'example-ats.iot.eu-west-1.amazonaws.com', clientId: 'app.test.alice', credentials, transport: sdkTransport });
    expect(make).toThrow(UnsupportedEnvironmentError);
    expect(make).toThrow(/runs in browsers only .* In Node, connect with aws-iot-device-sdk-v2 itself/);
  });

  it('refuses to route sockets to the emulator the same way', () => {
    expect(() => routeIotWebSockets('localhost', 'ws://127.0.0.1:4510/mqtt')).toThrow(UnsupportedEnvironmentError);
  });
});
