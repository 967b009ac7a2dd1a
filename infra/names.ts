/**
 * The names a stage's resources get from APP_NAME and STAGE, and AWS's limits on them, so a configuration that would
 * produce a name AWS refuses is stopped at synth with the variable to change. Names come from the same builders the
 * stack uses (the access model's roles, the catalog's functions and queues), never a copy of their patterns.
 */
import { accessModel } from '../core/access/model.js';
import { functionName, resourceName } from '../core/deployment.js';
import { FUNCTIONS, WORK_QUEUES } from '../functions/catalog.js';

export interface AppName {
  app: string;
  stage: string;
}

/**
 * AWS's limits: IAM CreateRole RoleName 64; Lambda FunctionName 64 (64 for the name alone); S3 bucket names 63, and
 * Terraform's aws_s3_bucket `bucket_prefix` at most 37 (the provider appends 26 characters); SQS QueueName 80.
 */
export const DERIVED_NAME_LIMITS = { 'IAM role': 64, 'Lambda function': 64, 'S3 bucket prefix': 37, 'SQS queue': 80 } as const;
export type DerivedNameKind = keyof typeof DERIVED_NAME_LIMITS;

/** The longest name of each kind a stage would create. */
export function longestDerivedNames(names: AppName, options: { hostWebDemo: boolean }): Array<{ kind: DerivedNameKind; name: string }> {
  const deployment = { app: names.app, stage: names.stage, region: 'us-east-1', accountId: '000000000000' };
  const model = accessModel({
    deployment,
    identityPoolId: 'us-east-1:00000000-0000-4000-8000-000000000000',
    jobQueueArn: 'arn:aws:sqs:us-east-1:000000000000:q',
    fanoutQueueArn: 'arn:aws:sqs:us-east-1:000000000000:q',
    presenceEventsQueueArn: 'arn:aws:sqs:us-east-1:000000000000:q',
    presenceFailuresQueueArn: 'arn:aws:sqs:us-east-1:000000000000:q',
  });
  const longest = (kind: DerivedNameKind, candidates: string[]) => ({ kind, name: candidates.reduce((a, b) => (b.length > a.length ? b : a), '') });
  return [
    longest(
      'IAM role',
      [
        model.browserClientRole,
        model.cognitoAuthenticatedRole,
        model.cognitoGuestRole,
        ...Object.values(model.functionRoles),
        ...Object.values(model.serviceRoles),
      ].map((r) => r.name),
    ),
    longest(
      'Lambda function',
      FUNCTIONS.map((f) => functionName(deployment, f.name)),
    ),
    longest('SQS queue', [
      ...WORK_QUEUES.flatMap((q) => [resourceName(deployment, q.purpose), `${resourceName(deployment, q.purpose)}-dlq`]),
      resourceName(deployment, 'presence-failures'),
    ]),
    ...(options.hostWebDemo ? [{ kind: 'S3 bucket prefix' as const, name: `${resourceName(deployment, 'web')}-` }] : []),
  ];
}
