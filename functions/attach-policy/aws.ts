/** The attach-policy function's AWS dependencies: Cognito GetUser and GetId, and IoT AttachPolicy through the SDK v3. */
import { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { AttachPolicyCommand, IoTClient } from '@aws-sdk/client-iot';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import type { AttachPolicyEnv } from '../../core/contracts/function-env.js';
import type { AwsClientOptions } from '../shared/aws-clients.js';
import { isRetryableAwsError as isRetryable } from '../shared/aws-error-classification.js';
import { cognitoAccessTokenChecker } from '../shared/cognito-access-check.js';
import { identityIdResolver } from '../shared/cognito-identity.js';
import { createCognitoSessionVerifier } from '../shared/cognito-session.js';
import { UpstreamError } from '../shared/errors.js';
import { createLogger } from '../shared/logger.js';
import { powertoolsMetrics } from '../shared/metrics.js';
import type { FunctionRuntime } from '../shared/runtime.js';
import type { AttachPolicyDependencies } from './core.js';
import type { AttachPolicyHandlerDependencies } from './handler.js';

export interface AttachPolicyClients {
  identity: CognitoIdentityClient;
  userPool: CognitoIdentityProviderClient;
  iot: IoTClient;
}

export function cognitoIotPolicyAttacher(config: AttachPolicyEnv, clients: AttachPolicyClients, keySet?: JWTVerifyGetKey): AttachPolicyDependencies {
  return {
    policyName: config.IOT_POLICY_NAME,
    verifySession: createCognitoSessionVerifier({
      issuer: config.COGNITO_USER_POOL_ISSUER,
      clientId: config.COGNITO_USER_POOL_CLIENT_ID,
      clockToleranceSeconds: config.TOKEN_CLOCK_TOLERANCE_SECONDS,
      keySet: keySet ?? createRemoteJWKSet(new URL(`${config.COGNITO_USER_POOL_ISSUER}/.well-known/jwks.json`), { timeoutDuration: 3000 }),
      checkAccessToken: cognitoAccessTokenChecker(clients.userPool),
    }),
    identityIdFor: identityIdResolver(clients.identity, config.IDENTITY_POOL_ID, config.COGNITO_USER_POOL_ISSUER),
    async attach(identityId) {
      try {
        await clients.iot.send(new AttachPolicyCommand({ policyName: config.IOT_POLICY_NAME, target: identityId }));
      } catch (error) {
        throw new UpstreamError('could not attach the IoT policy', isRetryable(error), { cause: error });
      }
    },
  };
}

export function attachPolicyDependencies(config: AttachPolicyEnv, aws: AwsClientOptions, runtime: FunctionRuntime = {}): AttachPolicyHandlerDependencies {
  return {
    logger: createLogger('attach-policy', runtime.logLevel),
    cognito: cognitoIotPolicyAttacher(config, {
      identity: new CognitoIdentityClient(aws),
      userPool: new CognitoIdentityProviderClient(aws),
      iot: new IoTClient(aws),
    }),
    metrics: runtime.metrics ?? powertoolsMetrics({ app: config.APP_NAME, stage: config.STAGE }),
  };
}
