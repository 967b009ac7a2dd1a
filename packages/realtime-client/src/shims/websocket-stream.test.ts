/**
 * The websocket-stream stand-in over a real WebSocket client (the `ws` package's, which has the browser's API:
 * binaryType, readyState, bufferedAmount, addEventListener) against a real WebSocket server, for what aws-crt's
 * browser client relies on; then a stand-in socket for the write throttle. The whole path (aws-crt's MQTT client on
 * it, in Chromium, through drops and reconnects) is the web demo's end-to-end suite.
 */
import { once } from 'node:events';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { WebSocket as NodeWebSocket, type WebSocket as ServerSocket, WebSocketServer } from 'ws';

const require = createRequire(import.meta.url);
type Stream = import('node:events').EventEmitter & {
  socket: { close(): void };
  write(chunk: Uint8Array | string, callback?: (error?: unknown) => void): boolean;
};
const websocket = require('./websocket-stream.cjs') as (url: string, protocols?: string[], options?: object) => Stream;

let server: WebSocketServer;
let url: string;
const sockets: ServerSocket[] = [];
const originalWebSocket = globalThis.WebSocket;

beforeAll(async () => {
  server = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: (offered) => [...offered][0] ?? false });
  server.on('connection', (socket) => sockets.push(socket));
  await once(server, 'listening');
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/mqtt`;
  Object.assign(globalThis, { WebSocket: NodeWebSocket });
});
afterAll(async () => {
  Object.assign(globalThis, { WebSocket: originalWebSocket });
  for (const socket of sockets) socket.terminate();
  await new Promise((resolve) => server.close(resolve));
});

/** Events of a stream, in order. */
function record(stream: Stream): string[] {
  const events: string[] = [];
  stream.on('connect', () => events.push('connect'));
  stream.on('error', () => events.push('error'));
  stream.on('close', () => events.push('close'));
  return events;
}

async function connected(): Promise<{ stream: Stream; peer: ServerSocket; events: string[] }> {
  const before = sockets.length;
  const stream = websocket(url, ['mqttv3.1']);
  const events = record(stream);
  await once(stream, 'connect');
  while (sockets.length === before) await new Promise((resolve) => setTimeout(resolve, 5));
  return { stream, peer: sockets.at(-1)!, events };
}

describe('the websocket-stream stand-in', () => {
  it("opens a binary socket with the protocol asked for, says 'connect', and hands each message over as bytes", async () => {
    const { stream, peer } = await connected();
    expect(peer.protocol).toBe('mqttv3.1');
    const chunks: Uint8Array[] = [];
    stream.on('data', (chunk: Uint8Array) => chunks.push(chunk));
    peer.send(Buffer.from([0x20, 0x02, 0x00, 0x00]));
    peer.send('text é');
    while (chunks.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(chunks[0]).toBeInstanceOf(Uint8Array);
    expect([...chunks[0]!]).toEqual([0x20, 0x02, 0x00, 0x00]);
    expect(Buffer.from(chunks[1]!).toString('utf8')).toBe('text é');
    stream.socket.close();
    await once(stream, 'close');
  });

  it('sends exactly the bytes of a view into a larger buffer, and calls back after the write returned', async () => {
    const { stream, peer } = await connected();
    const received = once(peer, 'message');
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    let returned = false;
    const calledBack = new Promise<unknown>((resolve) =>
      stream.write(backing.subarray(2, 5), (error) => {
        expect(returned).toBe(true);
        resolve(error);
      }),
    );
    returned = true;
    expect(await calledBack).toBeUndefined();
    const [message] = (await received) as [Buffer];
    expect([...message]).toEqual([1, 2, 3]);
    stream.socket.close();
    await once(stream, 'close');
  });

  it("ends once with 'close' when the server closes, and refuses writes after", async () => {
    const { stream, peer, events } = await connected();
    peer.close();
    await once(stream, 'close');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events).toEqual(['connect', 'close']);
    const error = await new Promise<unknown>((resolve) => stream.write(new Uint8Array([1]), resolve));
    expect(error).toBeInstanceOf(Error);
  });

  it("says 'error' with the socket's error event, then 'close', once, when nothing answers", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const stream = websocket(`ws://127.0.0.1:${port}/mqtt`, ['mqttv3.1']);
    const events = record(stream);
    const errors: unknown[] = [];
    stream.on('error', (e) => errors.push(e));
    // (events.once would reject at the 'error' that comes first.)
    await new Promise((resolve) => stream.on('close', resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events).toEqual(['error', 'close']);
    // The event object itself, as the browser gives it: the client reports it as "could not be reached".
    expect((errors[0] as { type?: string }).type).toBe('error');
  });

  it('ends with the socket when aws-crt closes it', async () => {
    const { stream, events } = await connected();
    stream.socket.close();
    await once(stream, 'close');
    expect(events).toEqual(['connect', 'close']);
  });
});

describe('the write throttle', () => {
  /** A socket that is open and has `bufferedAmount` queued; records what it sends. */
  class QueuedSocket extends EventTarget {
    static queued = 0;
    readonly OPEN = 1;
    readyState = 1;
    binaryType = 'blob';
    sent: Uint8Array[] = [];
    get bufferedAmount() {
      return QueuedSocket.queued;
    }
    send(chunk: Uint8Array) {
      this.sent.push(chunk);
    }
    close() {}
  }

  afterEach(() => Object.assign(globalThis, { WebSocket: NodeWebSocket }));

  it('holds a write while more than browserBufferSize bytes are queued, and sends it once they drain', async () => {
    Object.assign(globalThis, { WebSocket: QueuedSocket });
    QueuedSocket.queued = 2000;
    const stream = websocket('ws://unused', ['mqtt'], { browserBufferSize: 1000, browserBufferTimeout: 20 });
    const socket = stream.socket as unknown as QueuedSocket;
    expect(socket.binaryType).toBe('arraybuffer');
    let done = false;
    stream.write(new Uint8Array([7]), () => {
      done = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(socket.sent).toHaveLength(0);
    expect(done).toBe(false);
    QueuedSocket.queued = 0;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(socket.sent).toHaveLength(1);
    expect(done).toBe(true);
  });
});
