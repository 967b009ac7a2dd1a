/** Principals of the local stack's account for tests that act as the user's own services (producers, publishers). */
import { type PolicyDocument, policy } from '../../core/policy/document.js';
import { LOCAL_DEPLOYMENT } from '../../local/local-deployment.js';
import type { LocalStack } from '../../local/stack.js';

export interface NamedPolicy {
  name: string;
  document: PolicyDocument;
}

/** A role of the stack's account (trusted by the account) with these policies, and credentials of a session of it. */
export function roleSession(stack: LocalStack, name: string, policies: NamedPolicy[]) {
  const { accountId } = LOCAL_DEPLOYMENT;
  const role = {
    name,
    arn: `arn:aws:iam::${accountId}:role/${name}`,
    trust: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole' }),
    policies,
    maxSessionDurationSeconds: 3600,
  };
  stack.emulator.account.createRole(role);
  const session = stack.emulator.account.startRoleSession(role, name, new Date(Date.now() + 3_600_000));
  return { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken! };
}

/** The stack's managed producer policy (events:PutEvents on the bus), as applied (aws_iam_policy). */
export function producerPolicy(stack: LocalStack): NamedPolicy {
  const [applied] = stack.applied.ofType('aws_iam_policy');
  return { name: `managed:${String(applied!.args.name)}`, document: JSON.parse(String(applied!.args.policy)) as PolicyDocument };
}
