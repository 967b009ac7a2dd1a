/**
 * The SDK side of the realtime client (aws-iot-device-sdk-v2's browser build under the client's sdkTransport, and the
 * local WebSocket route), imported on its own: session.ts loads it while the tab is claimed and the credentials are
 * fetched, instead of before them, and the page prefetches it with the session code (vite.config.ts).
 */
export { routeIotWebSockets, sdkTransport } from '@iot-realtime/realtime-client';
