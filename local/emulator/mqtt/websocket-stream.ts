/**
 * A Duplex over a WebSocket that sends one binary frame per batch of writes, and watches what comes in.
 *
 * mqtt-packet writes one PUBLISH as 4-5 small chunks (corking the stream until the next tick). `ws`'s own
 * createWebSocketStream has no writev, so every chunk became a frame: 4-5 frames per packet and about a quarter of
 * the throughput (measured in docs/broker-performance.md). Implementing `writev` as one concatenated frame
 * sends each corked packet, or several, as a single frame. MQTT over WebSocket allows a frame to carry several or
 * partial MQTT packets (MQTT 3.1.1 section 6), so receivers reassemble either way.
 *
 * Inbound, with `maxRemainingLength`, the fixed header of every MQTT packet is read as it arrives: a packet declaring
 * more than that is refused there, before its bytes are buffered (a WebSocket frame limit alone does not bound a
 * packet spread over many frames). With `onPeerClose`, a Close frame from the client is reported before the stream
 * ends (IoT counts it as a client-initiated disconnect).
 */
import { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

export interface WebSocketDuplexOptions {
  /** Largest remaining length an inbound MQTT packet may declare; unchecked when omitted. */
  maxRemainingLength?: number;
  /** A packet declared more (Infinity: a malformed length); the stream is destroyed right after. */
  onOversizedPacket?: (declared: number) => void;
  /** The client sent a WebSocket Close frame (called before the stream ends). */
  onPeerClose?: () => void;
}

/** ws: the close code when the connection closed without a Close frame from the peer. */
const ABNORMAL_CLOSURE = 1006;

export function webSocketDuplex(ws: WebSocket, options: WebSocketDuplexOptions = {}): Duplex {
  let closingHere = false;
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
      closingHere = true;
      ws.close();
      callback();
    },
    destroy(error, callback) {
      closingHere = true;
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.terminate();
      callback(error);
    },
  });
  const scanner = options.maxRemainingLength === undefined ? undefined : new MqttLengthScanner(options.maxRemainingLength);
  ws.on('message', (data: Buffer) => {
    if (scanner) {
      const declared = scanner.scan(data);
      if (declared !== undefined) {
        options.onOversizedPacket?.(declared);
        duplex.destroy(new Error(`MQTT packet too large (declared ${declared} bytes)`));
        return;
      }
    }
    if (!duplex.push(data)) ws.pause();
  });
  ws.on('close', (code: number) => {
    if (!closingHere && code !== ABNORMAL_CLOSURE) options.onPeerClose?.();
    duplex.push(null);
    duplex.destroy();
  });
  ws.on('error', (error) => duplex.destroy(error));
  return duplex;
}

/**
 * Follows MQTT packet boundaries in a byte stream by their fixed headers (MQTT 3.1.1 section 2.2): one type byte,
 * then the remaining length in 1 to 4 bytes of 7 bits each, then that many bytes, which are skipped unread.
 */
export class MqttLengthScanner {
  /** Bytes of the current packet's body still to skip. */
  #toSkip = 0;
  /** -1: expecting a type byte; 0..3: reading the length's bytes. */
  #lengthByte = -1;
  #length = 0;
  #multiplier = 1;

  constructor(private readonly maxRemainingLength: number) {}

  /** Feeds the next bytes; returns the declared length when a packet is over the limit (Infinity if malformed). */
  scan(chunk: Buffer): number | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.#toSkip > 0) {
        const skip = Math.min(this.#toSkip, chunk.length - i);
        this.#toSkip -= skip;
        i += skip;
        continue;
      }
      if (this.#lengthByte === -1) {
        i += 1;
        this.#lengthByte = 0;
        this.#length = 0;
        this.#multiplier = 1;
        continue;
      }
      const byte = chunk[i]!;
      i += 1;
      this.#length += (byte & 0x7f) * this.#multiplier;
      this.#multiplier *= 128;
      // Later length bytes only add: over the limit now is over the limit for good.
      if (this.#length > this.maxRemainingLength) return this.#length;
      if (byte & 0x80) {
        this.#lengthByte += 1;
        if (this.#lengthByte === 4) return Number.POSITIVE_INFINITY;
      } else {
        this.#toSkip = this.#length;
        this.#lengthByte = -1;
      }
    }
    return undefined;
  }
}
