/** POST /iot/attach-policy (Authorization: Bearer <Cognito ID token>): attaches the Cognito user IoT policy. */
import { CognitoIdentityClient, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { AttachPolicyCommand, IoTClient } from '@aws-sdk/client-iot';
import { isRetryable } from '../shared/aws-adapters.js';
import { UnauthorizedError, UpstreamError } from '../shared/errors.js';
import { jsonResponse } from '../shared/http-errors.js';
import { createLogger, httpHandler } from '../shared/http-handler.js';
import { loadAttachPolicyConfig } from './config.js';
import { attachIotPolicy, type AttachPolicyDependencies } from './core.js';

const config = loadAttachPolicyConfig(process.env);
const logger = createLogger('attach-policy');

export interface AttachPolicyClients {
  cognito: CognitoIdentityClient;
  iot: IoTClient;
}

let clients: AttachPolicyClients = {
  cognito: new CognitoIdentityClient({ region: config.AWS_REGION }),
  iot: new IoTClient({ region: config.AWS_REGION }),
};

export function overrideDependencies(overrides: Partial<AttachPolicyClients>): void {
  clients = { ...clients, ...overrides };
}

const dependencies = (): AttachPolicyDependencies => ({
  policyName: config.IOT_POLICY_NAME,
  async identityIdFor(idToken) {
    try {
      const out = await clients.cognito.send(new GetIdCommand({ IdentityPoolId: config.IDENTITY_POOL_ID, Logins: { [config.COGNITO_LOGINS_KEY]: idToken } }));
      if (!out.IdentityId) throw new Error('GetId returned no IdentityId');
      return out.IdentityId;
    } catch (error) {
      if ((error as { name?: string }).name === 'NotAuthorizedException') throw new UnauthorizedError('the ID token was not accepted by the identity pool', { cause: error });
      throw new UpstreamError('could not resolve the Cognito identity', true, { cause: error });
    }
  },
  async attach(identityId) {
    try {
      await clients.iot.send(new AttachPolicyCommand({ policyName: config.IOT_POLICY_NAME, target: identityId }));
    } catch (error) {
      throw new UpstreamError('could not attach the IoT policy', isRetryable(error), { cause: error });
    }
  },
});

export const handler = httpHandler(logger, async (event) => {
  const attached = await attachIotPolicy(event.headers.authorization, dependencies());
  logger.info('IoT policy attached', attached);
  return jsonResponse(200, attached);
});
