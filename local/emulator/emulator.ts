/**
 * The emulator: one HTTP server on 127.0.0.1 that answers as IoT Core (MQTT over WebSocket, data plane, control
 * plane), STS and Cognito Identity would. Requests are routed the way AWS's endpoints separate them: by the signing
 * service in the credential scope, or by the Cognito `X-Amz-Target`. A service or operation the emulator does not
 * implement is answered 501 in the caller's protocol (http/not-emulated.ts): XML for Query clients, JSON otherwise.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { DEFAULT_WEB_PORT } from '../local-deployment.js';
import { type AccountConfig, LocalAccount } from './account/account.js';
import { peekAuthorizationScope } from './auth/sigv4.js';
import { DEFAULT_LOCAL_BOUNDS, type LocalBounds } from './config.js';
import { applyCors, BodyTooLargeError, readBody, sendJson } from './http/io.js';
import { protocolOf, sendNotEmulated, sendProtocolError } from './http/not-emulated.js';
import { checkOrigin, isFromWebPage } from './http/origins.js';
import { type EmulatorLogger, LogBudget } from './log.js';
import { IotBroker } from './mqtt/broker.js';
import { IOT_CORE_LIMITS, type IotLimits } from './mqtt/limits.js';
import { RulesEngine } from './rules/engine.js';
import { HttpApiService } from './services/apigateway/http-api.js';
import { CognitoIdentityService } from './services/cognito-identity.js';
import type { UserPoolConfig } from './services/cognito-user-pool/config.js';
import { CognitoUserPoolService } from './services/cognito-user-pool/service.js';
import { DynamoDbService } from './services/dynamodb.js';
import { EventsService } from './services/events/service.js';
import { handleIotControlPlane } from './services/iot-control-plane.js';
import { handleIotDataPlane } from './services/iot-data-plane.js';
import type { FunctionLogLevel } from './services/lambda/function-logs.js';
import { LambdaService } from './services/lambda/service.js';
import { SqsService } from './services/sqs/service.js';
import { handleSts } from './services/sts.js';

export interface EmulatorOptions {
  account: AccountConfig;
  logger: EmulatorLogger;
  host?: string;
  /** 0 picks a free port (tests). */
  port?: number;
  advertisedHost?: string;
  /**
   * Local, not AWS: browser origins that may use the emulator (MQTT sockets, Cognito, data plane); `*` allows any.
   * Requests without an `Origin` (SDKs, Node, curl) are always served. Default: the web demo's origins.
   */
  allowedOrigins?: readonly string[];
  limits?: Partial<IotLimits>;
  /** Local bounds on memory (see LocalBounds); defaults when absent. */
  bounds?: Partial<LocalBounds>;
  /**
   * Local testing knob, not AWS behaviour: caps the lifetime of every temporary credential the emulator issues (STS
   * AssumeRole and Cognito), so credential rotation can be exercised in seconds instead of an hour.
   */
  credentialLifetimeCapSeconds?: number;
  /** The local DynamoDB (startLocalDynamoDb().url); DynamoDB requests are refused without it. */
  dynamoDbUpstreamUrl?: string;
  /** Local Cognito user pools (cognito-idp); none when absent. */
  userPools?: UserPoolConfig[];
  /**
   * Where the user pools keep users, sign-ins and signing keys, and where Cognito identities and unexpired temporary
   * credentials are kept across restarts (AWS keeps both); in memory when absent.
   */
  dataDir?: string;
  now?: () => Date;
  /** The Lambda service: where packages are unpacked, how many environments, how its functions' logs are shown. */
  lambda?: {
    codeDir?: string;
    maxEnvironments?: number;
    asyncRetryDelayMs?: number;
    showLogLevel?: FunctionLogLevel;
  };
  /** The HTTP API's own port (API Gateway); not served when absent. */
  httpApi?: { port: number; allowedBrowserOrigins?: readonly string[] };
  /**
   * More of the local network for the functions: hosts whose requests go to a local origin (an app's JWT issuer, for
   * example). The IoT endpoint host and Cognito's are always mapped to the emulator.
   */
  networkMap?: Record<string, string>;
}

export interface RunningEmulator {
  url: string;
  port: number;
  /** ws:// URL of the MQTT endpoint. */
  mqttUrl: string;
  advertisedHost: string;
  account: LocalAccount;
  broker: IotBroker;
  limits: IotLimits;
  userPools: CognitoUserPoolService;
  sqs: SqsService;
  lambda: LambdaService;
  /** EventBridge: buses, rules and targets; PutEvents and TestEventPattern. */
  events: EventsService;
  /** The HTTP API server (API Gateway), when `httpApi` was given. */
  httpApi: HttpApiService | undefined;
  /** The IoT rules engine running the topic rules created in the account. */
  rules: RulesEngine;
  dynamodb: DynamoDbService | undefined;
  /** Every host the functions' requests are mapped from, and where to. */
  networkMap(): Record<string, string>;
  logger: EmulatorLogger;
  close(): Promise<void>;
}

/**
 * Cap on any request body before it is parsed: an SQS SendMessageBatch carries up to 1 MiB of message bodies (SQS
 * quotas), which JSON escaping can nearly triple; each service then checks its own limit (IoT payloads 128 KB).
 */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** The web demo's origins (`npm start` serves it on LOCAL_WEB_PORT, 5173 by default). */
export const WEB_DEMO_ORIGINS: readonly string[] = [`http://127.0.0.1:${DEFAULT_WEB_PORT}`, `http://localhost:${DEFAULT_WEB_PORT}`];

/** Files under the data folder: temporary credentials and Cognito identities (both survive restarts, as in AWS). */
export const TEMPORARY_CREDENTIALS_FILE = 'temporary-credentials.json';
export const COGNITO_IDENTITIES_FILE = 'cognito-identities.json';

/** `POST /_local/mqtt/outage?ms=<0-999999>`: the one local knob. */
const OUTAGE_KNOB = /^\/_local\/mqtt\/outage\?ms=(\d{1,6})$/;

export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const now = options.now ?? (() => new Date());
  const limits: IotLimits = { ...IOT_CORE_LIMITS, ...options.limits };
  const bounds: LocalBounds = { ...DEFAULT_LOCAL_BOUNDS, ...options.bounds };
  const { logger } = options;
  const account = new LocalAccount(options.account, {
    maxTemporaryCredentials: bounds.maxTemporaryCredentials,
    ...(options.dataDir ? { credentialsFile: join(options.dataDir, TEMPORARY_CREDENTIALS_FILE) } : {}),
    onSaveError: (error) => logger.log({ level: 'error', message: 'could not save temporary credentials', error: String(error) }),
  });
  const advertisedHost = options.advertisedHost ?? 'localhost';
  const allowedOrigins = options.allowedOrigins ?? WEB_DEMO_ORIGINS;
  const deployment = { region: account.region, accountId: account.accountId };
  const broker = await IotBroker.start({ account, deployment, limits, logger: options.logger, advertisedHost, allowedOrigins, now });
  const cap = options.credentialLifetimeCapSeconds;
  const cognito = new CognitoIdentityService({
    account,
    logger: options.logger,
    now,
    credentialsSeconds: Math.min(3600, cap ?? 3600),
    maxIdentities: bounds.maxCognitoIdentities,
    quotas: {
      guestIdentitiesPerMinutePerSource: bounds.cognitoGuestIdentitiesPerMinute,
      credentialsPerIdentityPerMinute: bounds.cognitoCredentialsPerIdentityPerMinute,
    },
    ...(options.dataDir ? { dataFile: join(options.dataDir, COGNITO_IDENTITIES_FILE) } : {}),
    // ServerSideTokenCheck asks the user pools (created just below; only called once requests come).
    userPools: { idTokenSignInStatus: (claims) => userPools.idTokenSignInStatus(claims) },
  });
  // DynamoDB: SigV4 and IAM here, the data in dynalite (local/store), so the functions' least privilege holds locally.
  // User pools issue tokens whose `iss` is `<emulator URL>/<poolId>`: the URL is known once the server listens.
  let baseUrl = '';
  const userPools = await CognitoUserPoolService.start({
    account,
    logger: options.logger,
    now,
    pools: options.userPools ?? [],
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    baseUrl: () => baseUrl,
    quotas: bounds.cognitoUserPoolQuotas,
    srpPool: { workers: bounds.cognitoSrpWorkers, maxQueued: bounds.cognitoSrpQueue },
  });
  const dynamodb = options.dynamoDbUpstreamUrl
    ? new DynamoDbService({ account, logger: options.logger, now, upstreamUrl: options.dynamoDbUpstreamUrl })
    : undefined;
  const sqs = new SqsService({ account, logger, now, baseUrl: () => baseUrl, maxMessagesPerQueue: bounds.sqsMaxMessagesPerQueue });
  // The functions' network: the IoT endpoint (browsers sign it, functions publish to it) and Cognito's host are here.
  const networkMap = (): Record<string, string> => ({
    [advertisedHost]: baseUrl,
    [`cognito-idp.${account.region}.amazonaws.com`]: baseUrl,
    ...options.networkMap,
  });
  const lambda = new LambdaService({
    account,
    logger,
    codeDir: options.lambda?.codeDir ?? join(tmpdir(), 'iot-realtime-lambda-code'),
    endpointUrl: () => baseUrl,
    networkMap,
    ...(options.lambda?.maxEnvironments ? { maxEnvironments: options.lambda.maxEnvironments } : {}),
    ...(options.lambda?.asyncRetryDelayMs !== undefined ? { asyncRetryDelayMs: options.lambda.asyncRetryDelayMs } : {}),
    ...(options.lambda?.showLogLevel ? { showLogLevel: options.lambda.showLogLevel } : {}),
    sendToDestination: async (destinationArn, role, body) => sendAsRole(sqs, account, destinationArn, role.arn, 'lambda.amazonaws.com', body, undefined),
  });
  const rules = new RulesEngine({
    source: broker,
    logger,
    region: account.region,
    accountId: account.accountId,
    targets: {
      invokeLambda: (functionArn, event, ruleArn) => {
        lambda.invokeAsyncAsService(functionArn, JSON.stringify(event), { service: 'iot.amazonaws.com', sourceArn: ruleArn, sourceAccount: account.accountId });
      },
      sendToQueue: async (action, body) => {
        const queue = sqs.queueByName(action.queueUrl.split('/').at(-1) ?? '');
        if (!queue) throw new Error(`the SQS action's queue ${action.queueUrl} does not exist`);
        await sendAsRole(sqs, account, queue.arn, action.roleArn, 'iot.amazonaws.com', body, { 'aws:SourceAccount': account.accountId });
      },
    },
  });
  const events = new EventsService({
    account,
    logger,
    now,
    lambda,
    sendDeadLetter: (queueArn, caller, body, attributes) => {
      sqs.sendAsService(queueArn, caller, body, attributes);
    },
  });
  const httpApi = options.httpApi
    ? new HttpApiService({
        lambda,
        logger,
        host: options.host ?? '127.0.0.1',
        port: options.httpApi.port,
        allowedBrowserOrigins: options.httpApi.allowedBrowserOrigins ?? allowedOrigins,
      })
    : undefined;
  await httpApi?.start();
  // A page retrying in a loop gets a few lines, then a count: refusals cannot flood the log.
  const originRefusals = new LogBudget(logger);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Local, not AWS: only configured browser origins (see http/origins.ts); no reflected CORS.
    const origin = checkOrigin(req, allowedOrigins);
    if (origin.kind === 'refused') {
      originRefusals.log({
        level: 'warn',
        message: 'refused a request from a browser origin that is not allowed',
        origin: origin.origin,
        method: req.method,
        url: req.url,
      });
      return sendJson(
        res,
        403,
        { message: `origin ${JSON.stringify(origin.origin)} is not allowed to use the local emulator (LOCAL_CORS_ORIGINS)` },
        { 'x-amzn-errortype': 'AccessDeniedException' },
      );
    }
    if (origin.kind === 'allowed') applyCors(req, res, origin.origin);
    const url = req.url ?? '/';
    if (!URL.canParse(url, 'http://local'))
      return sendJson(res, 400, { message: 'the request target is not a valid URL' }, { 'x-amzn-errortype': 'InvalidRequestException' });
    // Local testing knobs (not AWS APIs) are for scripts and tests on this machine: never for a web page.
    if (url.startsWith('/_local/')) {
      if (isFromWebPage(req)) return sendJson(res, 403, { message: 'the /_local/ knobs refuse requests from web pages' });
      // Drop all MQTT sockets and refuse new ones for a while.
      const outage = OUTAGE_KNOB.exec(url);
      if (req.method === 'POST' && outage) return sendJson(res, 200, { dropped: broker.simulateOutage(Number(outage[1])) });
      return sendJson(res, 400, { message: 'the local knob is POST /_local/mqtt/outage?ms=<0-999999>' });
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204);
      return void res.end();
    }
    if (req.method === 'GET' && req.url === '/health')
      return sendJson(res, 200, {
        status: 'ok',
        services: [
          'iot',
          'iotdata',
          'iotdevicegateway',
          'sts',
          'cognito-identity',
          'cognito-idp',
          'sqs',
          'lambda',
          'events',
          ...(dynamodb ? ['dynamodb'] : []),
        ],
      });
    if (userPools.handleJwks(req, res)) return;
    let body: Buffer;
    try {
      body = await readBody(req, MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        return sendJson(
          res,
          413,
          { message: `request body exceeds ${MAX_BODY_BYTES} bytes` },
          { 'x-amzn-errortype': 'RequestEntityTooLargeException', connection: 'close' },
        );
      }
      throw error;
    }
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string' && target.startsWith('AWSCognitoIdentityService.')) return cognito.handle(req, res, body);
    if (typeof target === 'string' && target.startsWith('AWSCognitoIdentityProviderService.')) return userPools.handle(req, res, body);
    // DynamoDB routes by target, so an unsigned request gets DynamoDB's own 400.
    if (dynamodb && typeof target === 'string' && target.startsWith('DynamoDB_20120810.')) return dynamodb.handle(req, res, body);
    if (typeof target === 'string' && target.startsWith('AmazonSQS.')) return sqs.handle(req, res, body);
    if (typeof target === 'string' && target.startsWith('AWSEvents.')) return events.handle(req, res, body);
    const scope = peekAuthorizationScope(req.headers.authorization);
    switch (scope?.service) {
      case 'sts':
        return handleSts(req, res, body, { account, logger, now, ...(cap ? { lifetimeCapSeconds: cap } : {}) });
      // The IoT control plane's SDK models named its signing service `execute-api` until 2023 (iot-control-plane.ts).
      case 'iot':
      case 'execute-api':
        return handleIotControlPlane(req, res, body, { account, logger, now, advertisedHost });
      case 'iotdata':
        return handleIotDataPlane(req, res, body, { account, broker, limits, logger, now });
      default: {
        const protocol = protocolOf(req);
        logger.log({ level: 'warn', message: 'unroutable request', method: req.method, url: req.url, service: scope?.service ?? '(unsigned)', protocol });
        // AWS's Common Errors: a request without a signature is MissingAuthenticationToken (403).
        if (!scope)
          return sendProtocolError(
            res,
            protocol,
            403,
            protocol === 'query' ? 'MissingAuthenticationToken' : 'MissingAuthenticationTokenException',
            'Missing Authentication Token: sign the request with SigV4',
          );
        // SQS: the emulator's speaks the JSON protocol of the SDKs since 2023; older clients (the AWS CLI v2 2.9) send Query.
        if (scope.service === 'sqs')
          return sendNotEmulated(
            res,
            protocol,
            'the local SQS speaks the JSON protocol (X-Amz-Target: AmazonSQS.<Action>); this client sent the Query protocol',
          );
        return sendNotEmulated(
          res,
          protocol,
          `the service "${scope.service}" is not emulated (STS, IoT, IoT data, Cognito Identity and user pools, DynamoDB and SQS are)`,
        );
      }
    }
  }

  /** Set by close(): new requests and sockets are refused from then on (the close sequence below). */
  let closing = false;
  /** MQTT sockets, from their upgrade request on: the HTTP server no longer tracks a socket once it is upgraded. */
  const upgradedSockets = new Set<Duplex>();

  const server: Server = createServer((req, res) => {
    if (closing)
      return sendJson(res, 503, { message: 'the local emulator is shutting down' }, { 'x-amzn-errortype': 'ServiceUnavailable', connection: 'close' });
    route(req, res).catch((error: unknown) => {
      logger.log({ level: 'error', message: 'internal error', method: req.method, url: req.url, error: error instanceof Error ? error.stack : String(error) });
      if (!res.headersSent) sendJson(res, 500, { message: 'internal error in the emulator (see its log)' }, { 'x-amzn-errortype': 'InternalFailureException' });
      else res.destroy();
    });
  });
  server.on('upgrade', (req, socket, head) => {
    if (closing) return void socket.destroy();
    upgradedSockets.add(socket);
    socket.once('close', () => upgradedSockets.delete(socket));
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/mqtt') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    broker.handleUpgrade(req, socket, head);
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${host}:${port}`;
  const pruner = setInterval(() => account.credentials.prune(now()), 3_600_000);
  pruner.unref();

  return {
    url: `http://${host}:${port}`,
    mqttUrl: `ws://${host}:${port}/mqtt`,
    port,
    advertisedHost,
    account,
    broker,
    limits,
    userPools,
    sqs,
    lambda,
    events,
    httpApi,
    rules,
    dynamodb,
    networkMap,
    logger,
    async close() {
      // Refuse new work first: stop listening (no new connection; server.close resolves once the open ones are gone,
      // at the end) and answer what still arrives on open connections with 503.
      closing = true;
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Then: the disconnect events of the broker's closing connections must not start functions; event source
      // mappings, queued asynchronous events and running invocations stop without being drained (lambda.close).
      await rules.close();
      events.close();
      await lambda.close();
      await httpApi?.close();
      sqs.close();
      await userPools.close();
      dynamodb?.close();
      clearInterval(pruner);
      account.flush();
      cognito.flush();
      await broker.close();
      server.closeAllConnections();
      // MQTT sockets the broker did not end (one upgraded while it closed, or still in its handshake): a client waiting
      // for its CONNACK would otherwise hold the server open until its own connect timeout (30 s in mqtt.js).
      for (const socket of upgradedSockets) socket.destroy();
      await serverClosed;
    },
  };
}

/**
 * A message sent as a service acting with a role (IoT's SQS error action, Lambda's on-failure destination): the service
 * assumes the role, whose trust must allow that service, and the role must allow sqs:SendMessage on the queue.
 */
async function sendAsRole(
  sqs: SqsService,
  account: LocalAccount,
  queueArn: string,
  roleArn: string,
  service: string,
  body: string,
  /** The request context of the service's AssumeRole (aws:SourceAccount, ...); undefined: the service already holds the role's session (Lambda). */
  trustContext: Record<string, string> | undefined,
): Promise<void> {
  const queue = sqs.queueByArn(queueArn);
  if (!queue) throw new Error(`queue ${queueArn} does not exist`);
  const role = account.role(roleArn);
  if (!role) throw new Error(`role ${roleArn} does not exist`);
  if (trustContext && !account.trusts(role, { action: 'sts:AssumeRole', principal: { type: 'Service', id: service }, context: trustContext }).allowed)
    throw new Error(`${service} may not assume ${role.name}`);
  const session = {
    kind: 'role-session' as const,
    arn: `arn:aws:sts::${account.accountId}:assumed-role/${role.name}/${service}`,
    assumedRoleId: '',
    role,
    sessionName: service,
  };
  const decision = account.authorizeAction(session, 'sqs:SendMessage', { queue: queue.arn });
  if (!decision.allowed) throw new Error(`${role.name} may not sqs:SendMessage to ${queue.name}: ${decision.reason}`);
  queue.send(body);
}
