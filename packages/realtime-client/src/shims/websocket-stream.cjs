// @ts-check
/**
 * What bundlers should give aws-crt's browser build for `@httptoolkit/websocket-stream` (optional, for size). aws-crt
 * wraps its MQTT WebSocket in that package's Node-style duplex stream, which brings Node's stream machinery into the
 * browser (readable-stream, duplexify, string_decoder, safe-buffer, end-of-stream: about 40 kB minified), and uses
 * little of it (aws-crt 1.33, dist.browser/browser: mqtt.js connectionFactory, mqtt_internal/client.js):
 * `on('connect' | 'error')` while connecting, `addListener` / `removeListener` of `'data'` and `'close'`,
 * `write(bytes, callback)`, and `socket.close()`. This module gives exactly that, over the browser's WebSocket, with
 * the package's browser behaviour (stream.js, version 6.0.1):
 * - the socket is binary (`arraybuffer`); each message is one `'data'` chunk of bytes (text frames as UTF-8);
 * - `'connect'` when the socket opens;
 * - a socket error is emitted as `'error'` with the browser's error Event itself (what the client reports as "could
 *   not be reached"), then `'close'`; a close without error emits `'close'`; the stream ends once;
 * - a write waits while more than `browserBufferSize` bytes (512 KiB) are queued on the socket, retrying every
 *   `browserBufferTimeout` (1 s); its callback runs after the bytes were handed to the socket, never synchronously,
 *   with an error when the socket cannot take them.
 * CommonJS on purpose: aws-crt calls what `require()` returns, which an ES module's namespace is not in every bundler
 * (esbuild's, which Vite's dev server uses, is an object). Alias the bare specifier, e.g.
 * `{ find: /^@httptoolkit\/websocket-stream$/, replacement: ... }` in Vite.
 */
const { EventEmitter } = require('events');

const DEFAULT_BUFFER_SIZE = 512 * 1024;
const DEFAULT_BUFFER_TIMEOUT_MS = 1000;

/** @param {unknown} data @returns {Uint8Array} */
function bytesOf(data) {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new TextEncoder().encode(String(data));
}

class WebSocketStream extends EventEmitter {
  /**
   * @param {string} url
   * @param {string | string[] | undefined} protocols
   * @param {{ browserBufferSize?: number; browserBufferTimeout?: number }} [options]
   */
  constructor(url, protocols, options = {}) {
    super();
    this.bufferSize = options.browserBufferSize ?? DEFAULT_BUFFER_SIZE;
    this.bufferTimeoutMs = options.browserBufferTimeout ?? DEFAULT_BUFFER_TIMEOUT_MS;
    this.ended = false;
    // The WebSocket of the moment, not of module load: routeIotWebSockets' wrapper (local-socket.ts) is seen either way.
    const socket = new globalThis.WebSocket(url, protocols);
    socket.binaryType = 'arraybuffer';
    /** @type {WebSocket} */
    this.socket = socket;
    socket.addEventListener('open', () => this.emit('connect'));
    socket.addEventListener('message', (event) => {
      if (!this.ended) this.emit('data', bytesOf(event.data));
    });
    socket.addEventListener('error', (event) => this.finish(event));
    socket.addEventListener('close', () => this.finish(undefined));
  }

  /**
   * Sends `chunk`; `callback` runs once the socket took it (or with the reason it could not).
   * @param {Uint8Array | string} chunk
   * @param {(error?: unknown) => void} [callback]
   */
  write(chunk, callback) {
    /** @param {unknown} [error] */
    const done = (error) => queueMicrotask(() => callback?.(error));
    const send = () => {
      if (this.ended || this.socket.readyState !== this.socket.OPEN) {
        done(new Error('the WebSocket is not open'));
        return;
      }
      if (this.socket.bufferedAmount > this.bufferSize) {
        setTimeout(send, this.bufferTimeoutMs);
        return;
      }
      try {
        this.socket.send(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
      } catch (error) {
        done(error);
        return;
      }
      done();
    };
    send();
    return true;
  }

  /** Closes the socket; `'close'` follows. */
  end() {
    this.socket.close();
  }

  destroy() {
    this.socket.close();
  }

  /**
   * The stream ends once: `'error'` first when it ends in one (to its listeners only: nothing could catch a throw here).
   * @param {unknown} error
   */
  finish(error) {
    if (this.ended) return;
    this.ended = true;
    queueMicrotask(() => {
      if (error !== undefined && this.listenerCount('error') > 0) this.emit('error', error);
      this.emit('close');
    });
  }
}

/**
 * The package's export: `websocket(url, protocols, options)`.
 * @param {string} url
 * @param {string | string[]} [protocols]
 * @param {{ browserBufferSize?: number; browserBufferTimeout?: number }} [options]
 */
function websocket(url, protocols, options) {
  return new WebSocketStream(url, protocols, options);
}

module.exports = websocket;
module.exports.WebSocketStream = WebSocketStream;
