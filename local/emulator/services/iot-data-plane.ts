/**
 * IoT data plane (REST-JSON, signing name `iotdata`): Publish (`POST /topics/{topic}`) through the broker, and the
 * retained messages it keeps: GetRetainedMessage (`GET /retainedMessage/{topic}`) and ListRetainedMessages
 * (`GET /retainedMessage`), shapes from the IoT data plane API reference (botocore's iot-data service-2.json).
 * Anything else is answered as not emulated (http/not-emulated.ts), never with a code AWS uses for a normal outcome.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { iotArn } from '../../../core/deployment.js';
import type { LocalAccount } from '../account/account.js';
import { describePrincipal, type Principal } from '../account/principal.js';
import { authenticateRequest } from '../http/authenticate.js';
import { sendJson } from '../http/io.js';
import { NotEmulatedError, sendNotEmulated } from '../http/not-emulated.js';
import { ServiceError } from '../http/service-error.js';
import { denied, type EmulatorLogger } from '../log.js';
import { type IotBroker, RetainedLimitError } from '../mqtt/broker.js';
import { checkPublishTopic, type IotLimits } from '../mqtt/limits.js';

export interface IotDataPlaneDependencies {
  account: LocalAccount;
  broker: IotBroker;
  limits: IotLimits;
  logger: EmulatorLogger;
  now: () => Date;
}

export async function handleIotDataPlane(req: IncomingMessage, res: ServerResponse, body: Buffer, deps: IotDataPlaneDependencies): Promise<void> {
  try {
    const principal = authenticateRequest(req, body, 'iotdata', deps.account, deps.now());
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1));
    if (req.method === 'POST' && rawPath.startsWith('/topics/')) return await publish(res, principal, topicOf(rawPath, '/topics/'), query, body, deps);
    if (req.method === 'GET' && rawPath.startsWith('/retainedMessage/'))
      return await getRetainedMessage(res, principal, topicOf(rawPath, '/retainedMessage/'), deps);
    if (req.method === 'GET' && rawPath === '/retainedMessage') return listRetainedMessages(res, principal, query, deps);
    throw new NotEmulatedError(
      `${req.method} ${rawPath} is not an emulated IoT data-plane API (Publish, GetRetainedMessage and ListRetainedMessages are; shadows are not)`,
    );
  } catch (error) {
    if (error instanceof NotEmulatedError) return sendNotEmulated(res, 'rest-json', error.message);
    if (!(error instanceof ServiceError)) throw error;
    sendJson(res, error.status, { message: error.message }, { 'x-amzn-errortype': error.code });
  }
}

/** The SDK sends "/" inside the topic as %2F; curl examples send raw slashes. Both mean the same topic. */
function topicOf(rawPath: string, prefix: string): string {
  try {
    return decodeURIComponent(rawPath.slice(prefix.length));
  } catch {
    throw new ServiceError(400, 'InvalidRequestException', 'the topic is not valid percent-encoding');
  }
}

function authorize(principal: Principal, action: string, resource: string, deps: IotDataPlaneDependencies): void {
  const decision = deps.account.authorize(principal, action, resource);
  if (!decision.allowed) {
    denied(deps.logger, { service: 'iotdata', who: describePrincipal(principal), action, resource, reason: decision.reason });
    throw new ServiceError(403, 'ForbiddenException', `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${resource}`);
  }
}

async function publish(
  res: ServerResponse,
  principal: Principal,
  topic: string,
  query: URLSearchParams,
  body: Buffer,
  deps: IotDataPlaneDependencies,
): Promise<void> {
  // Publish API: qos is an integer (0 or 1), retain a boolean; a lax value ("", "1.0", "abc", "yes") is refused.
  const rawQos = query.get('qos') ?? '0';
  if (rawQos !== '0' && rawQos !== '1')
    throw new ServiceError(400, 'InvalidRequestException', `qos must be 0 or 1, got ${JSON.stringify(rawQos)} (IoT does not support QoS 2)`);
  const qos = rawQos === '1' ? 1 : 0;
  const rawRetain = query.get('retain') ?? 'false';
  if (rawRetain !== 'true' && rawRetain !== 'false')
    throw new ServiceError(400, 'InvalidRequestException', `retain must be true or false, got ${JSON.stringify(rawRetain)}`);
  const retain = rawRetain === 'true';
  const topicProblem = checkPublishTopic(topic, deps.limits);
  if (topicProblem) throw new ServiceError(400, 'InvalidRequestException', topicProblem);
  if (body.length > deps.limits.maxPayloadBytes) {
    throw new ServiceError(413, 'RequestEntityTooLargeException', `payload is ${body.length} bytes; IoT allows at most ${deps.limits.maxPayloadBytes}`);
  }
  const resource = iotArn(deps.account, 'topic', topic);
  for (const action of retain ? ['iot:Publish', 'iot:RetainPublish'] : ['iot:Publish']) authorize(principal, action, resource, deps);
  try {
    await deps.broker.publish({ topic, payload: body, qos, retain });
  } catch (error) {
    // IoT: over the retained-message quota a retained publish gets a throttled response (429 ThrottlingException).
    if (error instanceof RetainedLimitError) throw new ServiceError(429, 'ThrottlingException', error.message);
    throw error;
  }
  sendJson(res, 200, { message: 'OK', traceId: randomUUID() });
}

/**
 * GetRetainedMessage: iot:GetRetainedMessage on the topic's ARN (Service Authorization Reference: resource type
 * `topic`, required). A topic without a retained message is ResourceNotFoundException (404), the API's own answer for
 * "The specified resource does not exist"; the payload is a blob, base64 in REST-JSON; lastModifiedTime is epoch ms.
 */
async function getRetainedMessage(res: ServerResponse, principal: Principal, topic: string, deps: IotDataPlaneDependencies): Promise<void> {
  const topicProblem = checkPublishTopic(topic, deps.limits);
  if (topicProblem) throw new ServiceError(400, 'InvalidRequestException', topicProblem);
  authorize(principal, 'iot:GetRetainedMessage', iotArn(deps.account, 'topic', topic), deps);
  const retained = await deps.broker.retainedMessage(topic);
  if (retained === undefined) throw new ServiceError(404, 'ResourceNotFoundException', `No retained message found for topic ${topic}`);
  sendJson(res, 200, { topic, payload: retained.payload.toString('base64'), qos: retained.qos, lastModifiedTime: retained.lastModifiedTime });
}

/** ListRetainedMessages: MaxResults is 1-200 (API reference); the token is the position to continue from. */
const LIST_MAX_RESULTS = 200;

function listRetainedMessages(res: ServerResponse, principal: Principal, query: URLSearchParams, deps: IotDataPlaneDependencies): void {
  const rawMax = query.get('maxResults');
  const maxResults = rawMax === null ? LIST_MAX_RESULTS : Number(rawMax);
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > LIST_MAX_RESULTS)
    throw new ServiceError(400, 'InvalidRequestException', `maxResults must be an integer from 1 to ${LIST_MAX_RESULTS}, got ${JSON.stringify(rawMax)}`);
  const token = query.get('nextToken');
  const start = token === null ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(start) || start < 0) throw new ServiceError(400, 'InvalidRequestException', 'nextToken is not a token this API returned');
  authorize(principal, 'iot:ListRetainedMessages', '*', deps);
  const all = [...deps.broker.retainedMessages()];
  const page = all.slice(start, start + maxResults).map(([topic, summary]) => ({ topic, ...summary }));
  const next = start + maxResults < all.length ? Buffer.from(String(start + maxResults)).toString('base64url') : undefined;
  sendJson(res, 200, { retainedTopics: page, ...(next ? { nextToken: next } : {}) });
}
