/** IoT data plane (REST, signing name `iotdata`): `POST /topics/{topic}` publishes through the broker. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { iotArn } from '../../../core/deployment.js';
import type { LocalAccount } from '../account/account.js';
import { describePrincipal } from '../account/principal.js';
import { authenticateRequest } from '../http/authenticate.js';
import { sendJson } from '../http/io.js';
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
    if (req.method !== 'POST' || !rawPath.startsWith('/topics/')) {
      throw new ServiceError(404, 'ResourceNotFoundException', `${req.method} ${rawPath} is not an emulated data-plane API (POST /topics/{topic} is)`);
    }
    // The SDK sends "/" inside the topic as %2F; curl examples send raw slashes. Both mean the same topic.
    let topic: string;
    try {
      topic = decodeURIComponent(rawPath.slice('/topics/'.length));
    } catch {
      throw new ServiceError(400, 'InvalidRequestException', 'the topic is not valid percent-encoding');
    }
    const query = new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1));
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
    for (const action of retain ? ['iot:Publish', 'iot:RetainPublish'] : ['iot:Publish']) {
      const decision = deps.account.authorize(principal, action, resource);
      if (!decision.allowed) {
        denied(deps.logger, { service: 'iotdata', who: describePrincipal(principal), action, resource, reason: decision.reason });
        throw new ServiceError(403, 'ForbiddenException', `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${resource}`);
      }
    }
    try {
      await deps.broker.publish({ topic, payload: body, qos, retain });
    } catch (error) {
      // IoT: over the retained-message quota a retained publish gets a throttled response (429 ThrottlingException).
      if (error instanceof RetainedLimitError) throw new ServiceError(429, 'ThrottlingException', error.message);
      throw error;
    }
    sendJson(res, 200, { message: 'OK', traceId: randomUUID() });
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    sendJson(res, error.status, { message: error.message }, { 'x-amzn-errortype': error.code });
  }
}
