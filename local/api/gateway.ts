/**
 * The local HTTP API: turns HTTP requests into API Gateway HTTP API (payload format 2.0) events, runs the same
 * handler modules in-process, and applies the same CORS rules as the deployed API. Also serves the local token
 * issuer's JWKS and `POST /dev/token` (local only).
 *
 * Stricter than API Gateway, because it runs next to every page the developer visits: a request from a browser
 * origin that is not configured is refused (403) before any function or dev route runs, instead of running without
 * CORS headers; a request target that is not a valid URL, or a path parameter that is not valid percent-encoding, is
 * a 400 with a message, never a 404 or a 500.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { API_CORS } from '../../functions/catalog.js';
import { BodyTooLargeError, decodePathSegment, readBody, sendJson } from '../emulator/http/io.js';
import { checkOrigin } from '../emulator/http/origins.js';
import { type EmulatorLogger, LogBudget } from '../emulator/log.js';
import { type DevIssuers, serveDevRoute } from './dev-routes.js';

export type HttpLambda = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

export interface LocalRoute {
  method: string;
  path: string;
  functionName: string;
  handler: HttpLambda;
}

export interface LocalApiOptions {
  host: string;
  port: number;
  routes: LocalRoute[];
  corsOrigins: readonly string[];
  /** Local-only routes (JWKS, dev tokens). */
  issuers: DevIssuers;
  logger: EmulatorLogger;
}

export interface RunningApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** API Gateway: the payload limit of an HTTP API request is 10 MB; locally 1 MB is plenty. */
const MAX_BODY_BYTES = 1024 * 1024;

/** A path parameter that is not valid percent-encoding (answered 400). */
class MalformedPathError extends Error {}

function matchRoute(routes: LocalRoute[], method: string, path: string): { route: LocalRoute; params: Record<string, string> } | undefined {
  const parts = path.split('/');
  for (const route of routes) {
    if (route.method !== method) continue;
    const pattern = route.path.split('/');
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = pattern.every((p, i) => {
      const actual = parts[i] ?? '';
      if (p.startsWith('{') && p.endsWith('}')) {
        if (actual === '') return false;
        const decoded = decodePathSegment(actual);
        if (decoded === undefined) throw new MalformedPathError(`path segment ${JSON.stringify(actual)} is not valid percent-encoding`);
        params[p.slice(1, -1)] = decoded;
        return true;
      }
      return p === actual;
    });
    if (ok) return { route, params };
  }
  return undefined;
}

export function lambdaContext(functionName: string, timeoutMs = 30_000): Context {
  const deadline = Date.now() + timeoutMs;
  const awsRequestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function toEvent(req: IncomingMessage, body: Buffer, route: LocalRoute, params: Record<string, string>, url: URL): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const now = new Date();
  const isText = /^(application\/(json|x-www-form-urlencoded)|text\/)/i.test(headers['content-type'] ?? '');
  const cookies = headers.cookie?.split(';').map((c) => c.trim());
  return {
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(cookies ? { cookies } : {}),
    ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
    ...(Object.keys(params).length ? { pathParameters: params } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: route.method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: `${route.method} ${route.path}`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: isText ? body.toString('utf8') : body.toString('base64'), isBase64Encoded: !isText } : { isBase64Encoded: false }),
  };
}

function applyCors(req: IncomingMessage, res: ServerResponse, origins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || !(origins.includes(origin) || origins.includes('*'))) return false;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'origin');
  res.setHeader('access-control-expose-headers', API_CORS.exposeHeaders.join(','));
  return true;
}

export async function startLocalApi(options: LocalApiOptions): Promise<RunningApi> {
  const { logger } = options;
  // A page retrying in a loop gets a few lines, then a count: refusals cannot flood the log.
  const originRefusals = new LogBudget(logger);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = checkOrigin(req, options.corsOrigins);
    if (origin.kind === 'refused') {
      originRefusals.log({
        level: 'warn',
        message: 'refused a request from a browser origin that is not allowed',
        origin: origin.origin,
        method: req.method,
        url: req.url,
      });
      return sendJson(res, 403, { message: `Forbidden: origin ${JSON.stringify(origin.origin)} is not allowed (LOCAL_CORS_ORIGINS)` });
    }
    if (!URL.canParse(req.url ?? '/', 'http://local')) return sendJson(res, 400, { message: 'Bad Request: the request target is not a valid URL' });
    const url = new URL(req.url ?? '/', 'http://local');
    const method = req.method ?? 'GET';
    const corsAllowed = applyCors(req, res, options.corsOrigins);
    // API Gateway answers CORS preflights itself, without invoking a function.
    if (method === 'OPTIONS' && req.headers['access-control-request-method']) {
      if (corsAllowed) {
        res.setHeader('access-control-allow-methods', API_CORS.allowMethods.join(','));
        res.setHeader('access-control-allow-headers', API_CORS.allowHeaders.join(','));
        res.setHeader('access-control-max-age', String(API_CORS.maxAgeSeconds));
      }
      res.writeHead(204);
      return void res.end();
    }
    let body: Buffer;
    try {
      body = await readBody(req, MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return sendJson(res, 413, { message: 'Request Entity Too Large' }, { connection: 'close' });
      throw error;
    }
    if (await serveDevRoute(method, url.pathname, body, res, options.issuers)) return;

    let matched: ReturnType<typeof matchRoute>;
    try {
      matched = matchRoute(options.routes, method, url.pathname);
    } catch (error) {
      if (error instanceof MalformedPathError) return sendJson(res, 400, { message: `Bad Request: ${error.message}` });
      throw error;
    }
    if (!matched) return sendJson(res, 404, { message: 'Not Found' });
    const started = performance.now();
    const result = await matched.route.handler(toEvent(req, body, matched.route, matched.params, url), lambdaContext(matched.route.functionName));
    const structured = typeof result === 'string' ? { statusCode: 200, body: result, headers: { 'content-type': 'application/json' } } : result;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(structured.headers ?? {})) headers[k.toLowerCase()] = String(v);
    const payload = structured.body === undefined ? Buffer.alloc(0) : Buffer.from(structured.body, structured.isBase64Encoded ? 'base64' : 'utf8');
    res.writeHead(structured.statusCode ?? 200, { ...headers, 'content-length': payload.length });
    res.end(payload);
    logger.log({
      level: 'debug',
      message: 'api',
      route: `${method} ${matched.route.path}`,
      status: structured.statusCode,
      ms: Math.round(performance.now() - started),
    });
  }

  const server: Server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      // A handler that throws is a Lambda invocation error: API Gateway answers 500 without details.
      logger.log({ level: 'error', message: 'function invocation failed', url: req.url, error: error instanceof Error ? error.stack : String(error) });
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
