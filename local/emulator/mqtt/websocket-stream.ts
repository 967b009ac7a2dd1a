/**
 * A Duplex over a WebSocket that sends one binary frame per batch of writes.
 *
 * mqtt-packet writes one PUBLISH as 4-5 small chunks (corking the stream until the next tick). `ws`'s own
 * createWebSocketStream has no writev, so every chunk became a frame: 4-5 frames per packet and about a quarter of
 * the throughput (measured in docs/broker-performance.md). Implementing `writev` as one concatenated frame
 * sends each corked packet, or several, as a single frame. MQTT over WebSocket allows a frame to carry several or
 * partial MQTT packets (MQTT 3.1.1 section 6), so receivers reassemble either way.
 */
import { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

export function webSocketDuplex(ws: WebSocket): Duplex {
  const duplex = new Duplex({
    read() {
      if (ws.isPaused) ws.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      if (ws.readyState !== ws.OPEN) return callback(new Error('WebSocket is not open'));
      ws.send(chunk, { binary: true }, callback);
    },
    writev(chunks, callback) {
      if (ws.readyState !== ws.OPEN) return callback(new Error('WebSocket is not open'));
      const data = chunks.length === 1 ? (chunks[0]!.chunk as Buffer) : Buffer.concat(chunks.map((c) => c.chunk as Buffer));
      ws.send(data, { binary: true }, callback);
    },
    final(callback) {
      ws.close();
      callback();
    },
    destroy(error, callback) {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.terminate();
      callback(error);
    },
  });
  ws.on('message', (data: Buffer) => {
    if (!duplex.push(data)) ws.pause();
  });
  ws.on('close', () => {
    duplex.push(null);
    duplex.destroy();
  });
  ws.on('error', (error) => duplex.destroy(error));
  return duplex;
}
