/** Where the app is deployed, and the ARNs and resource names derived from it (one place for naming). */
import { validateId } from './ids.js';
import { TopicScheme } from './topics.js';

export interface Deployment {
  readonly app: string;
  readonly stage: string;
  readonly region: string;
  readonly accountId: string;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ACCOUNT = /^\d{12}$/;

export class InvalidDeploymentError extends Error {
  override readonly name = 'InvalidDeploymentError';
}

export function validateDeployment(d: Deployment): Deployment {
  validateId('app name', d.app);
  validateId('stage', d.stage);
  if (!REGION.test(d.region)) throw new InvalidDeploymentError(`invalid region ${JSON.stringify(d.region)}`);
  // Infra passes the unresolved `${data.aws_caller_identity...}` token at synth time; only literal ids are checked.
  if (!ACCOUNT.test(d.accountId) && !d.accountId.startsWith('${')) {
    throw new InvalidDeploymentError(`invalid account id ${JSON.stringify(d.accountId)}: 12 digits expected`);
  }
  return d;
}

export type IotResourceKind = 'client' | 'topic' | 'topicfilter' | 'policy';

/** IoT resource ARNs name only the region and account (topics carry the app and stage themselves). */
export function iotArn(d: Pick<Deployment, 'region' | 'accountId'>, kind: IotResourceKind, name: string): string {
  return `arn:aws:iot:${d.region}:${d.accountId}:${kind}/${name}`;
}

export function roleArn(d: Deployment, roleName: string): string {
  return `arn:aws:iam::${d.accountId}:role/${roleName}`;
}

/** A Lambda function of the stage: `<app>-<stage>-<function>` (its role is `<app>-<stage>-fn-<function>`). */
export function functionName(d: Pick<Deployment, 'app' | 'stage'>, fn: string): string {
  return resourceName(d, fn);
}

/** Every named resource of a stage: `<app>-<stage>-<purpose>`. */
export function resourceName(d: Pick<Deployment, 'app' | 'stage'>, purpose: string): string {
  return `${d.app}-${d.stage}-${purpose}`;
}

export function topicsOf(d: Pick<Deployment, 'app' | 'stage'>): TopicScheme {
  return new TopicScheme({ app: d.app, stage: d.stage });
}
