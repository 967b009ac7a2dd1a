/**
 * The DynamoDB JSON protocol (awsJson1_0) spoken to a dynalite server: raw forwarding of a client's request, and calls
 * made by the local store itself. Bodies stay in wire format (`{"S": ...}`), so nothing is converted on the way.
 * Two ways to reach the server: over HTTP (a URL), or in-process (`dynaliteInProcess`: dynalite's own request handler
 * called with the request, no socket), which is what the store's front uses for the engine it runs itself.
 */
import { EventEmitter } from 'node:events';
import { Agent, type IncomingHttpHeaders, type RequestListener, request } from 'node:http';

export interface WireResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A DynamoDB error as the service answers it: HTTP status, `__type` and message. */
export class DynamoProtocolError extends Error {
  override readonly name = 'DynamoProtocolError';
  constructor(
    readonly status: number,
    /** Fully qualified, e.g. `com.amazon.coral.validate#ValidationException`. */
    readonly type: string,
    message: string,
    /** Extra members of the error body (CancellationReasons). */
    readonly extra: Record<string, unknown> = {},
    /** DynamoDB spells it `message` for most errors and `Message` for TransactionCanceledException. */
    readonly messageKey: 'message' | 'Message' = 'message',
  ) {
    super(message);
  }

  /** The short code (`ValidationException`), as SDKs name the error. */
  get code(): string {
    return this.type.slice(this.type.indexOf('#') + 1);
  }

  toBody(): Record<string, unknown> {
    return { __type: this.type, [this.messageKey]: this.message, ...this.extra };
  }
}

export const validationError = (message: string) => new DynamoProtocolError(400, 'com.amazon.coral.validate#ValidationException', message);

/** dynalite checks that a signature is present, not that it is valid: calls of the store itself carry a fixed one. */
const INTERNAL_AUTHORIZATION = 'AWS4-HMAC-SHA256 Credential=local/20000101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0';

/** Hop-by-hop headers are never forwarded (RFC 9110 section 7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

/** How requests reach a dynalite server: the same request in, the same response out, whatever carries them. */
export interface WireTransport {
  send(method: string, path: string, headers: Record<string, string | string[]>, body: Buffer): Promise<WireResponse>;
  close(): void;
}

/** Over HTTP, one keep-alive agent per connection. */
class HttpTransport implements WireTransport {
  readonly #agent = new Agent({ keepAlive: true });
  readonly #url: URL;

  constructor(url: string) {
    this.#url = new URL(url);
  }

  send(method: string, path: string, headers: Record<string, string | string[]>, body: Buffer): Promise<WireResponse> {
    return new Promise((resolve, reject) => {
      const req = request({ host: this.#url.hostname, port: this.#url.port, method, path, headers, agent: this.#agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/**
 * dynalite's request handler, called in this thread without a socket: the request is handed over as the events of an
 * IncomingMessage (`data`, `end`) and the response collected from what the handler sets (statusCode, setHeader, end),
 * which is all of the two objects dynalite 4 uses (node_modules/dynalite/index.js, httpHandler and sendData). The
 * response is what dynalite would have sent over HTTP, header names lower-cased as Node's HTTP client reports them.
 */
class InProcessTransport implements WireTransport {
  #closed = false;

  constructor(private readonly handler: RequestListener) {}

  send(method: string, path: string, headers: Record<string, string | string[]>, body: Buffer): Promise<WireResponse> {
    if (this.#closed) return Promise.reject(new Error('the local DynamoDB engine is closed'));
    return new Promise((resolve, reject) => {
      const req = Object.assign(new EventEmitter(), { method, url: path, headers });
      const res = new CollectedResponse(resolve);
      try {
        this.handler(req as never, res as never);
        if (body.length > 0) req.emit('data', body);
        req.emit('end');
      } catch (error) {
        reject(error);
      }
    });
  }

  close(): void {
    this.#closed = true;
  }
}

/** The part of a ServerResponse dynalite writes to. */
class CollectedResponse {
  statusCode = 200;
  /** dynalite keeps the negotiated content type here between its checks and sendData. */
  contentType: string | undefined;
  readonly #headers: IncomingHttpHeaders = {};

  constructor(private readonly resolve: (response: WireResponse) => void) {}

  setHeader(name: string, value: string | number | readonly string[]): this {
    this.#headers[name.toLowerCase()] = typeof value === 'number' ? String(value) : (value as string | string[]);
    return this;
  }

  end(chunk?: string | Buffer): void {
    const body = chunk === undefined ? Buffer.alloc(0) : typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.resolve({ status: this.statusCode, headers: this.#headers, body });
  }
}

/** A transport to a dynalite server started in this thread (`dynalite()`), through its request handler. */
export function dynaliteInProcess(server: { listeners(event: 'request'): unknown[] }): WireTransport {
  const [handler] = server.listeners('request');
  if (typeof handler !== 'function') throw new Error('the dynalite server has no request handler');
  return new InProcessTransport(handler as RequestListener);
}

export class DynaliteConnection {
  readonly #transport: WireTransport;

  /** `target`: the server's URL, or a transport (dynaliteInProcess). */
  constructor(target: string | WireTransport) {
    this.#transport = typeof target === 'string' ? new HttpTransport(target) : target;
  }

  /** Sends a request with these headers and body (a client's request, forwarded as it came). */
  send(method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): Promise<WireResponse> {
    const forwarded: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) forwarded[name] = value;
    forwarded['content-length'] = String(body.length);
    return this.#transport.send(method, path, forwarded, body);
  }

  /** One operation of the store's own: resolves with the output on 200, rejects with DynamoProtocolError otherwise. */
  async call(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const response = await this.send(
      'POST',
      '/',
      {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${operation}`,
        'x-amz-date': '20000101T000000Z',
        authorization: INTERNAL_AUTHORIZATION,
      },
      Buffer.from(JSON.stringify(input)),
    );
    const output = parseObject(response.body);
    if (response.status === 200) return output;
    const type = typeof output.__type === 'string' ? output.__type : 'com.amazonaws.dynamodb.v20120810#InternalServerError';
    const message = typeof output.message === 'string' ? output.message : typeof output.Message === 'string' ? output.Message : '';
    throw new DynamoProtocolError(response.status, type, message);
  }

  close(): void {
    this.#transport.close();
  }
}

function parseObject(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
