/** The attach-policy function's AWS dependencies: Cognito GetId and IoT AttachPolicy through the SDK v3. */
import { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import { AttachPolicyCommand, IoTClient } from '@aws-sdk/client-iot';
import type { AttachPolicyEnv } from '../../core/contracts/function-env.js';
import type { AwsClientOptions } from '../shared/aws-clients.js';
import { isRetryableAwsError as isRetryable } from '../shared/aws-error-classification.js';
import { identityIdResolver } from '../shared/cognito-identity.js';
import { UpstreamError } from '../shared/errors.js';
import { createLogger } from '../shared/logger.js';
import { powertoolsMetrics } from '../shared/metrics.js';
import type { FunctionRuntime } from '../shared/runtime.js';
import type { AttachPolicyDependencies } from './core.js';
import type { AttachPolicyHandlerDependencies } from './handler.js';

export function cognitoIotPolicyAttacher(config: AttachPolicyEnv, cognito: CognitoIdentityClient, iot: IoTClient): AttachPolicyDependencies {
  return {
    policyName: config.IOT_POLICY_NAME,
    identityIdFor: identityIdResolver(cognito, config.IDENTITY_POOL_ID, config.COGNITO_USER_POOL_ISSUER),
    async attach(identityId) {
      try {
        await iot.send(new AttachPolicyCommand({ policyName: config.IOT_POLICY_NAME, target: identityId }));
      } catch (error) {
        throw new UpstreamError('could not attach the IoT policy', isRetryable(error), { cause: error });
      }
    },
  };
}

export function attachPolicyDependencies(config: AttachPolicyEnv, aws: AwsClientOptions, runtime: FunctionRuntime = {}): AttachPolicyHandlerDependencies {
  return {
    logger: createLogger('attach-policy', runtime.logLevel),
    cognito: cognitoIotPolicyAttacher(config, new CognitoIdentityClient(aws), new IoTClient(aws)),
    metrics: runtime.metrics ?? powertoolsMetrics({ app: config.APP_NAME, stage: config.STAGE }),
  };
}
