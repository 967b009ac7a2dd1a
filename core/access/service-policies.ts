/** Least-privilege policies and trust policies of the backend: the Lambdas' roles and the roles browsers assume. */
import { type Deployment, iotArn, topicsOf } from '../deployment.js';
import { policy, type PolicyDocument } from '../policy/document.js';

/** Lambdas that publish results: `iot:Publish` on the app's own topics, nothing else. */
export function publisherPolicy(d: Deployment): PolicyDocument {
  return policy({ Sid: 'PublishAppTopics', Effect: 'Allow', Action: 'iot:Publish', Resource: iotArn(d, 'topic', `${topicsOf(d).prefix}/*`) });
}

/** The credentials Lambda: may assume the browser-client role and nothing else. */
export function credentialsVendorPolicy(browserClientRoleArn: string): PolicyDocument {
  return policy({ Sid: 'AssumeBrowserClientRole', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: browserClientRoleArn });
}

/** The attach Lambda: attaches exactly the Cognito user IoT policy (GetId is an unsigned call and needs no grant). */
export function attachPolicyFunctionPolicy(d: Deployment, iotPolicyName: string): PolicyDocument {
  return policy({ Sid: 'AttachCognitoUserPolicy', Effect: 'Allow', Action: 'iot:AttachPolicy', Resource: iotArn(d, 'policy', iotPolicyName) });
}

export function queueSenderPolicy(queueArn: string): PolicyDocument {
  return policy({ Sid: 'SendJobs', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn });
}

/** What the SQS event source mapping needs from the worker's role. */
export function queueConsumerPolicy(queueArn: string): PolicyDocument {
  return policy({
    Sid: 'ConsumeJobs',
    Effect: 'Allow',
    Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
    Resource: queueArn,
  });
}

export function lambdaTrustPolicy(): PolicyDocument {
  return policy({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' });
}

/** The browser-client role trusts only the credentials Lambda's role. */
export function browserClientTrustPolicy(credentialsFunctionRoleArn: string): PolicyDocument {
  return policy({ Effect: 'Allow', Principal: { AWS: credentialsFunctionRoleArn }, Action: 'sts:AssumeRole' });
}

/** Cognito identity pool roles: trusted for this pool only, and for one kind of identity only. */
export function cognitoTrustPolicy(identityPoolId: string, kind: 'authenticated' | 'unauthenticated'): PolicyDocument {
  return policy({
    Effect: 'Allow',
    Principal: { Federated: 'cognito-identity.amazonaws.com' },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: { 'cognito-identity.amazonaws.com:aud': identityPoolId },
      'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': kind },
    },
  });
}
