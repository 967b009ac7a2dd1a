/** Every resource type and data source the applier understands; anything else in a configuration is refused by name. */
import type { ResourceType } from '../resource-type.js';
import { api, integration, route, stage } from './apigateway.js';
import { identityPool, identityPoolRoles, userPool, userPoolClient } from './cognito.js';
import { eventBus, eventRule, eventTarget, sqsQueuePolicy } from './events.js';
import { callerIdentity, iamPolicy, iamRole, iamRolePolicy, iamRolePolicyAttachment, region } from './iam.js';
import { iotEndpoint, iotPolicy, iotTopicRule } from './iot.js';
import { eventInvokeConfig, eventSourceMapping, lambdaFunction, lambdaPermission } from './lambda.js';
import {
  distribution,
  logGroup,
  metricAlarm,
  originAccessControl,
  s3Bucket,
  s3BucketPolicy,
  s3Object,
  s3PublicAccessBlock,
  snsSubscription,
  snsTopic,
} from './not-emulated.js';
import { dynamodbTable, sqsQueue } from './storage.js';

// biome-ignore lint/suspicious/noExplicitAny: each entry has its own argument schema; the applier parses with it first.
const ALL: ReadonlyArray<ResourceType<any>> = [
  callerIdentity,
  region,
  iamRole,
  iamRolePolicy,
  iamPolicy,
  iamRolePolicyAttachment,
  iotEndpoint,
  iotPolicy,
  iotTopicRule,
  userPool,
  userPoolClient,
  identityPool,
  identityPoolRoles,
  dynamodbTable,
  sqsQueue,
  sqsQueuePolicy,
  eventBus,
  eventRule,
  eventTarget,
  lambdaFunction,
  lambdaPermission,
  eventSourceMapping,
  eventInvokeConfig,
  api,
  stage,
  integration,
  route,
  logGroup,
  metricAlarm,
  snsTopic,
  snsSubscription,
  s3Bucket,
  s3PublicAccessBlock,
  s3BucketPolicy,
  s3Object,
  originAccessControl,
  distribution,
];

// biome-ignore lint/suspicious/noExplicitAny: as above.
export const RESOURCE_TYPES: ReadonlyMap<string, ResourceType<any>> = new Map(ALL.map((t) => [`${t.mode}:${t.type}`, t]));
