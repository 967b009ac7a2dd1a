/**
 * API Gateway HTTP APIs (apigatewayv2), as the synthesized stack declares them (aws_apigatewayv2_api, _stage,
 * _integration, _route), served on a port of their own (the API's invoke URL). What is followed ("Working with HTTP
 * APIs", API Gateway developer guide):
 * - Routes: `METHOD /path` with `{param}` segments, `{proxy+}` greedy segments, `ANY`, and `$default`; the most specific
 *   route wins ("Routing API requests": a route with static segments before one with path variables). No route: 404
 *   `{"message":"Not Found"}`.
 * - AWS_PROXY integrations with payload format 2.0 ("Create AWS Lambda proxy integrations for HTTP APIs"): the event
 *   format 2.0, and the response mapping (a result without `statusCode` is a 200 JSON body). The function is invoked as
 *   API Gateway, so its resource-based policy must allow `apigateway.amazonaws.com` from the API's execute-api ARN
 *   (aws_lambda_permission); a refused, failed or throttled invocation is a 500 `{"message":"Internal Server Error"}`,
 *   one that outlasts the integration timeout (30 s at most) a 503 `{"message":"Service Unavailable"}`.
 * - CORS ("Configuring CORS for an HTTP API"): API Gateway answers preflights itself and adds the configured headers to
 *   responses of allowed origins.
 * - Stage throttling (default_route_settings): a token bucket of `burst` tokens refilled at `rate` per second; without a
 *   token the request gets 429 `{"message":"Too Many Requests"}` ("Throttle requests to your HTTP APIs").
 * Local only, and stricter than API Gateway because it runs next to every page the developer visits: a request from a
 * browser origin that is not allowed is refused with 403 before anything runs (LOCAL_CORS_ORIGINS).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BodyTooLargeError, decodePathSegment, readBody, sendJson } from '../../http/io.js';
import { checkOrigin } from '../../http/origins.js';
import type { EmulatorLogger } from '../../log.js';
import { LogBudget } from '../../log.js';
import { type LambdaService, LambdaServiceError } from '../lambda/service.js';

export interface CorsConfiguration {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
  allowCredentials?: boolean;
}

export interface HttpApi {
  id: string;
  name: string;
  cors?: CorsConfiguration;
  stages: Map<string, { name: string; throttle?: { burstLimit: number; rateLimit: number }; bucket?: TokenBucket }>;
  integrations: Map<string, { id: string; functionArn: string; payloadFormatVersion: '2.0'; timeoutMs: number }>;
  routes: Map<string, { id: string; routeKey: string; integrationId: string }>;
}

/** A local handler in front of the API (the local overlay: dev routes); true when it answered. */
export type LocalRoutes = (method: string, path: string, body: Buffer, req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface HttpApiServiceOptions {
  lambda: LambdaService;
  logger: EmulatorLogger;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Browser origins that may call the local API at all (checked before CORS); `*` allows any. */
  allowedBrowserOrigins: readonly string[];
  /** Request bodies above this are refused with 413 (API Gateway's own payload limit is 10 MB). */
  maxBodyBytes?: number;
}

export class ApiGatewayError extends Error {
  override readonly name = 'ApiGatewayError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** HTTP API quotas: the integration timeout is at most 30 seconds. */
const MAX_INTEGRATION_TIMEOUT_MS = 30_000;

class TokenBucket {
  #tokens: number;
  #at = Date.now();
  constructor(
    private readonly burst: number,
    private readonly ratePerSecond: number,
  ) {
    this.#tokens = burst;
  }
  take(): boolean {
    const now = Date.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.ratePerSecond);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

export class HttpApiService {
  readonly #apis = new Map<string, HttpApi>();
  #server: Server | undefined;
  #url = '';
  #localRoutes: LocalRoutes | undefined;
  readonly #originRefusals: LogBudget;

  constructor(private readonly options: HttpApiServiceOptions) {
    this.#originRefusals = new LogBudget(options.logger);
  }

  /** The server's base URL (`http://host:port`), once started. */
  get url(): string {
    return this.#url;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        this.options.logger.log({
          level: 'error',
          message: 'HTTP API internal error',
          url: req.url,
          error: error instanceof Error ? error.stack : String(error),
        });
        if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' });
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    this.#server = server;
    this.#url = `http://${this.options.host}:${(server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The local overlay's routes, answered before the API's own (only `/dev/...` and the local issuer's JWKS). */
  setLocalRoutes(routes: LocalRoutes): void {
    this.#localRoutes = routes;
  }

  /** CreateApi (HTTP only). The server serves one API: the stack's. */
  createApi(input: { name: string; protocolType: string; cors?: CorsConfiguration }): HttpApi & { apiEndpoint: string; executionArn: string } {
    if (input.protocolType !== 'HTTP') throw new ApiGatewayError('BadRequestException', `protocol ${input.protocolType} is not emulated (HTTP APIs are)`);
    if (this.#apis.size > 0) throw new ApiGatewayError('BadRequestException', 'the local API port serves one HTTP API; this stack declares a second one');
    const id = randomUUID().replace(/-/g, '').slice(0, 10);
    const api: HttpApi = { id, name: input.name, ...(input.cors ? { cors: input.cors } : {}), stages: new Map(), integrations: new Map(), routes: new Map() };
    this.#apis.set(id, api);
    const { region, accountId } = this.options.lambda.account;
    return Object.assign(api, { apiEndpoint: this.#url, executionArn: `arn:aws:execute-api:${region}:${accountId}:${id}` });
  }

  createStage(apiId: string, input: { name: string; throttle?: { burstLimit: number; rateLimit: number } }): { invokeUrl: string } {
    const api = this.#api(apiId);
    if (input.name !== '$default') throw new ApiGatewayError('BadRequestException', `only the $default stage is emulated, got ${input.name}`);
    const bucket = input.throttle ? new TokenBucket(input.throttle.burstLimit, input.throttle.rateLimit) : undefined;
    api.stages.set(input.name, { name: input.name, ...(input.throttle ? { throttle: input.throttle } : {}), ...(bucket ? { bucket } : {}) });
    // The $default stage is served at the root; Terraform's invoke_url for it ends with "/".
    return { invokeUrl: `${this.#url}/` };
  }

  createIntegration(
    apiId: string,
    input: { integrationType: string; integrationUri: string; payloadFormatVersion: string; timeoutMs?: number },
  ): { id: string } {
    const api = this.#api(apiId);
    if (input.integrationType !== 'AWS_PROXY')
      throw new ApiGatewayError('BadRequestException', `integration type ${input.integrationType} is not emulated (AWS_PROXY is)`);
    if (input.payloadFormatVersion !== '2.0')
      throw new ApiGatewayError('BadRequestException', `payload format ${input.payloadFormatVersion} is not emulated (2.0 is)`);
    // The Lambda invoke ARN: arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations.
    const match = /functions\/(arn:aws:lambda:[^/]+)\/invocations$/.exec(input.integrationUri);
    if (!match) throw new ApiGatewayError('BadRequestException', `integration URI ${input.integrationUri} is not a Lambda invoke ARN`);
    const timeoutMs = input.timeoutMs ?? MAX_INTEGRATION_TIMEOUT_MS;
    if (timeoutMs < 50 || timeoutMs > MAX_INTEGRATION_TIMEOUT_MS) throw new ApiGatewayError('BadRequestException', 'timeout_milliseconds must be 50-30000');
    const id = randomUUID().replace(/-/g, '').slice(0, 7);
    api.integrations.set(id, { id, functionArn: match[1]!, payloadFormatVersion: '2.0', timeoutMs });
    return { id };
  }

  createRoute(apiId: string, input: { routeKey: string; target: string }): { id: string } {
    const api = this.#api(apiId);
    if (input.routeKey !== '$default' && !/^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) \/\S*$/.test(input.routeKey))
      throw new ApiGatewayError('BadRequestException', `route key ${JSON.stringify(input.routeKey)} is not METHOD /path or $default`);
    const integrationId = /^integrations\/(.+)$/.exec(input.target)?.[1];
    if (!integrationId || !api.integrations.has(integrationId))
      throw new ApiGatewayError('NotFoundException', `route target ${input.target} is not an integration of the API`);
    if ([...api.routes.values()].some((r) => r.routeKey === input.routeKey))
      throw new ApiGatewayError('ConflictException', `route ${input.routeKey} already exists`);
    const id = randomUUID().replace(/-/g, '').slice(0, 7);
    api.routes.set(id, { id, routeKey: input.routeKey, integrationId });
    return { id };
  }

  #api(apiId: string): HttpApi {
    const api = this.#apis.get(apiId);
    if (!api) throw new ApiGatewayError('NotFoundException', `Invalid API identifier specified ${apiId}`);
    return api;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = checkOrigin(req, this.options.allowedBrowserOrigins);
    if (origin.kind === 'refused') {
      this.#originRefusals.log({ level: 'warn', message: 'refused a request from a browser origin that is not allowed', origin: origin.origin, url: req.url });
      return sendJson(res, 403, { message: `Forbidden: origin ${JSON.stringify(origin.origin)} is not allowed (LOCAL_CORS_ORIGINS)` });
    }
    if (!URL.canParse(req.url ?? '/', 'http://local')) return sendJson(res, 400, { message: 'Bad Request: the request target is not a valid URL' });
    const url = new URL(req.url ?? '/', 'http://local');
    const method = req.method ?? 'GET';
    const api = [...this.#apis.values()][0];
    const cors = api?.cors;
    const corsOrigin = this.#corsOrigin(req.headers.origin, cors);
    if (corsOrigin && cors) {
      res.setHeader('access-control-allow-origin', corsOrigin);
      res.setHeader('vary', 'origin');
      if (cors.exposeHeaders.length > 0) res.setHeader('access-control-expose-headers', cors.exposeHeaders.join(','));
      if (cors.allowCredentials) res.setHeader('access-control-allow-credentials', 'true');
    }
    if (cors && method === 'OPTIONS' && req.headers['access-control-request-method']) {
      if (corsOrigin) {
        res.setHeader('access-control-allow-methods', cors.allowMethods.join(','));
        res.setHeader('access-control-allow-headers', cors.allowHeaders.join(','));
        if (cors.maxAgeSeconds !== undefined) res.setHeader('access-control-max-age', String(cors.maxAgeSeconds));
      }
      res.writeHead(204);
      return void res.end();
    }
    let body: Buffer;
    try {
      body = await readBody(req, this.options.maxBodyBytes ?? 1024 * 1024);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return sendJson(res, 413, { message: 'Request Entity Too Large' }, { connection: 'close' });
      throw error;
    }
    if (this.#localRoutes && (await this.#localRoutes(method, url.pathname, body, req, res))) return;
    if (!api) return sendJson(res, 404, { message: 'Not Found' });
    const stage = api.stages.get('$default');
    if (!stage) return sendJson(res, 404, { message: 'Not Found' });
    let matched: ReturnType<typeof matchRoute>;
    try {
      matched = matchRoute([...api.routes.values()], method, url.pathname);
    } catch (error) {
      if (error instanceof MalformedPathError) return sendJson(res, 400, { message: `Bad Request: ${error.message}` });
      throw error;
    }
    if (!matched) return sendJson(res, 404, { message: 'Not Found' });
    if (stage.bucket && !stage.bucket.take()) return sendJson(res, 429, { message: 'Too Many Requests' });
    const integration = api.integrations.get(matched.route.integrationId)!;
    const started = performance.now();
    const event = toEvent(req, body, matched.route.routeKey, matched.params, url, api, this.options.lambda.account.accountId);
    const { region, accountId } = this.options.lambda.account;
    const sourceArn = `arn:aws:execute-api:${region}:${accountId}:${api.id}/$default/${method}${url.pathname}`;
    const outcome = await this.#invoke(integration, JSON.stringify(event), sourceArn);
    if ('status' in outcome && outcome.status === 'ok') {
      writeProxyResult(res, outcome.payload, cors !== undefined);
    } else {
      // A function error is the function's own failure (unhandled error, timeout, out of memory): named in the log, as
      // CloudWatch would show it, never in the response (API Gateway answers 500 "Internal Server Error").
      const failure = 'failure' in outcome ? outcome : { failure: `function error: ${outcome.errorType}: ${outcome.errorMessage}`, status: 500 };
      this.options.logger.log({
        level: 'warn',
        message: `HTTP API integration failed: ${failure.failure}`,
        route: matched.route.routeKey,
        function: integration.functionArn,
      });
      sendJson(res, failure.status, { message: failure.status === 503 ? 'Service Unavailable' : 'Internal Server Error' });
    }
    this.options.logger.log({
      level: 'debug',
      message: 'api',
      route: matched.route.routeKey,
      status: res.statusCode,
      ms: Math.round(performance.now() - started),
    });
  }

  async #invoke(
    integration: { functionArn: string; timeoutMs: number },
    payload: string,
    sourceArn: string,
  ): Promise<{ status: 'ok'; payload: string } | { status: 'function-error'; errorType: string; errorMessage: string } | { failure: string; status: number }> {
    const { lambda } = this.options;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ failure: string; status: number }>((resolve) => {
      timer = setTimeout(() => resolve({ failure: `integration timeout after ${integration.timeoutMs} ms`, status: 503 }), integration.timeoutMs);
    });
    try {
      const invocation = lambda
        .invokeAsService(integration.functionArn, payload, { service: 'apigateway.amazonaws.com', sourceArn, sourceAccount: lambda.account.accountId })
        .then((result) =>
          result.status === 'ok'
            ? { status: 'ok' as const, payload: result.payload }
            : { status: 'function-error' as const, errorType: result.errorType, errorMessage: result.errorMessage },
        )
        .catch((error: unknown) => {
          if (error instanceof LambdaServiceError) return { failure: `${error.code}: ${error.message}`, status: 500 };
          throw error;
        });
      return await Promise.race([invocation, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  #corsOrigin(origin: string | undefined, cors: CorsConfiguration | undefined): string | undefined {
    if (!origin || !cors) return undefined;
    if (cors.allowOrigins.includes('*')) return '*';
    return cors.allowOrigins.includes(origin) ? origin : undefined;
  }
}

class MalformedPathError extends Error {}

type Route = { routeKey: string; integrationId: string };

/** The most specific route for a method and path: static segments beat variables, variables beat greedy ones. */
function matchRoute(routes: Route[], method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
  const parts = path.split('/');
  let best: { route: Route; params: Record<string, string>; score: number[] } | undefined;
  for (const route of routes) {
    if (route.routeKey === '$default') continue;
    const [routeMethod, routePath] = route.routeKey.split(' ') as [string, string];
    if (routeMethod !== method && routeMethod !== 'ANY') continue;
    const pattern = routePath.split('/');
    const params: Record<string, string> = {};
    const score: number[] = [];
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      const p = pattern[i]!;
      const greedy = /^\{(.+)\+\}$/.exec(p);
      if (greedy) {
        const rest = parts.slice(i).join('/');
        if (rest === '') ok = false;
        else params[greedy[1]!] = rest;
        score.push(0);
        if (i !== pattern.length - 1) ok = false;
        break;
      }
      const actual = parts[i];
      if (actual === undefined) {
        ok = false;
        break;
      }
      if (p.startsWith('{') && p.endsWith('}')) {
        if (actual === '') ok = false;
        const decoded = decodePathSegment(actual);
        if (decoded === undefined) throw new MalformedPathError(`path segment ${JSON.stringify(actual)} is not valid percent-encoding`);
        params[p.slice(1, -1)] = decoded;
        score.push(1);
      } else {
        if (p !== actual) ok = false;
        score.push(2);
      }
    }
    const greedyRoute = pattern.some((p) => /^\{.+\+\}$/.test(p));
    if (!greedyRoute && pattern.length !== parts.length) ok = false;
    if (!ok) continue;
    score.push(routeMethod === 'ANY' ? 0 : 1);
    if (!best || compare(score, best.score) > 0) best = { route, params, score };
  }
  if (best) return { route: best.route, params: best.params };
  const fallback = routes.find((r) => r.routeKey === '$default');
  return fallback ? { route: fallback, params: {} } : undefined;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/** The payload format 2.0 event ("Working with AWS Lambda proxy integrations for HTTP APIs"). */
function toEvent(
  req: IncomingMessage,
  body: Buffer,
  routeKey: string,
  params: Record<string, string>,
  url: URL,
  api: HttpApi,
  accountId: string,
): Record<string, unknown> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && k !== 'cookie') headers[k] = Array.isArray(v) ? v.join(',') : v;
  const now = new Date();
  const isText = /^(application\/(json|x-www-form-urlencoded)|text\/)/i.test(headers['content-type'] ?? '');
  const cookies = typeof req.headers.cookie === 'string' ? req.headers.cookie.split(';').map((c) => c.trim()) : undefined;
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies ? { cookies } : {}),
    headers,
    ...(url.search ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId,
      apiId: api.id,
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0],
      http: {
        method: req.method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(Object.keys(params).length > 0 ? { pathParameters: params } : {}),
    ...(body.length > 0 ? { body: isText ? body.toString('utf8') : body.toString('base64'), isBase64Encoded: !isText } : { isBase64Encoded: false }),
  };
}

/**
 * The function's result as an HTTP response (payload format 2.0 response mapping). With CORS configured, the function's
 * own CORS headers are dropped ("Configuring CORS for an HTTP API": "If you configure CORS for an API, API Gateway
 * ignores CORS headers returned from your backend integration").
 */
function writeProxyResult(res: ServerResponse, payload: string, corsConfigured: boolean): void {
  const result: unknown = JSON.parse(payload);
  const structured =
    typeof result === 'object' && result !== null && 'statusCode' in result
      ? (result as { statusCode?: number; headers?: Record<string, unknown>; body?: string; isBase64Encoded?: boolean; cookies?: string[] })
      : { statusCode: 200, headers: { 'content-type': 'application/json' }, body: typeof result === 'string' ? result : JSON.stringify(result) };
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(structured.headers ?? {})) {
    const name = k.toLowerCase();
    if (corsConfigured && name.startsWith('access-control-')) continue;
    headers[name] = String(v);
  }
  if (structured.cookies?.length) headers['set-cookie'] = structured.cookies;
  const out = structured.body === undefined ? Buffer.alloc(0) : Buffer.from(structured.body, structured.isBase64Encoded ? 'base64' : 'utf8');
  res.writeHead(structured.statusCode ?? 200, { ...headers, 'content-length': out.length });
  res.end(out);
}
