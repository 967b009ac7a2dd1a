/**
 * aws-crt's own browser MQTT client, in Node, on the websocket-stream stand-in (given to it where it requires the
 * real package) and the `ws` package's WebSocket, against a minimal MQTT 3.1.1 peer: it connects, subscribes, receives,
 * notices a dropped socket, reconnects by itself and disconnects. (A stand-in that mangles what it receives fails it.)
 */
import { once } from 'node:events';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { jest } from '@jest/globals';
import { WebSocket as NodeWebSocket, type WebSocket as ServerSocket, WebSocketServer } from 'ws';

const require = createRequire(import.meta.url);
jest.mock('@httptoolkit/websocket-stream', () => require('./websocket-stream.cjs') as object);

/** MQTT 3.1.1 packets the peer answers with (section 3.2 CONNACK, 3.9 SUBACK, 3.13 PINGRESP, 3.3 PUBLISH QoS 0). */
const CONNACK_SESSION_PRESENT = Buffer.from([0x20, 0x02, 0x01, 0x00]);
const suback = (packetId: number) => Buffer.from([0x90, 0x03, packetId >> 8, packetId & 0xff, 0x00]);
const publish = (topic: string, payload: string) => {
  const t = Buffer.from(topic);
  const p = Buffer.from(payload);
  return Buffer.concat([Buffer.from([0x30, 2 + t.length + p.length, t.length >> 8, t.length & 0xff]), t, p]);
};

let server: WebSocketServer;
const peers: ServerSocket[] = [];
const connects: number[] = [];

beforeAll(async () => {
  server = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: (offered) => (offered.has('mqttv3.1') ? 'mqttv3.1' : false) });
  server.on('connection', (peer) => {
    peers.push(peer);
    peer.on('message', (data: Buffer) => {
      const type = data[0]! >> 4;
      if (type === 1) {
        connects.push(Date.now());
        peer.send(CONNACK_SESSION_PRESENT);
      } else if (type === 8) peer.send(suback((data[2]! << 8) | data[3]!));
      else if (type === 12) peer.send(Buffer.from([0xd0, 0x00]));
    });
  });
  await once(server, 'listening');
  // The browser build reads window.navigator.userAgent for its metrics; it opens sockets with the global WebSocket.
  Object.assign(globalThis, { window: { navigator: { userAgent: 'jest' } }, WebSocket: NodeWebSocket });
});
afterAll(async () => {
  Reflect.deleteProperty(globalThis, 'window');
  Reflect.deleteProperty(globalThis, 'WebSocket');
  for (const peer of peers) peer.terminate();
  await new Promise((resolve) => server.close(resolve));
});

describe("aws-crt's browser MQTT client on the websocket-stream stand-in", () => {
  it('connects, subscribes, receives, reconnects by itself after a dropped socket, and disconnects', async () => {
    const { AwsIotMqttConnectionConfigBuilder } = await import('aws-crt/dist.browser/browser/aws_iot.js');
    const mqtt = await import('aws-crt/dist.browser/browser/mqtt.js');
    const config = AwsIotMqttConnectionConfigBuilder.new_builder_for_websocket()
      .with_endpoint('127.0.0.1')
      .with_port((server.address() as AddressInfo).port)
      .with_client_id('stand-in-test')
      .with_clean_session(false)
      .with_reconnect_min_sec(1)
      .with_reconnect_max_sec(1)
      .build();
    // Plain ws: no URL signing, which is not what this test is about (crypto-js.test.ts is).
    config.websocket = { protocol: 'ws' };
    const connection = new mqtt.MqttClient().new_connection(config);
    const successes: boolean[] = [];
    connection.on('connection_success', (e) => successes.push(e.session_present));
    let interrupted = 0;
    connection.on('interrupt', () => {
      interrupted += 1;
    });
    try {
      await connection.connect();
      let resolveReceived: (text: string) => void = () => undefined;
      const received = new Promise<string>((resolve) => {
        resolveReceived = resolve;
      });
      await connection.subscribe('rooms/general', mqtt.QoS.AtMostOnce, (_topic, payload) => resolveReceived(Buffer.from(payload).toString('utf8')));
      peers.at(-1)!.send(publish('rooms/general', 'héllo'));
      expect(await received).toBe('héllo');

      // The socket drops: the client says so and comes back by itself, resuming the session.
      peers.at(-1)!.terminate();
      const deadline = Date.now() + 10_000;
      while (successes.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(interrupted).toBe(1);
      expect(successes).toEqual([true, true]);
      expect(connects).toHaveLength(2);
      // aws-crt's browser client (1.33) halts with an uncaught CrtError ("failed OfflineQueuePolicy check on
      // disconnect") when stopped while one of its own operations of the new connection is still in flight: seen about
      // once in five runs under load. Let the reconnection settle first; stopping mid-reconnect is not what this tests.
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await connection.disconnect();
    }
  });
});
