/**
 * IAM (aws_iam_role, aws_iam_role_policy, aws_iam_policy, aws_iam_role_policy_attachment) and the account data sources,
 * created in the emulator's account.
 */
import * as v from 'valibot';
import type { PolicyDocument } from '../../../core/policy/document.js';
import { optNum, optStr, recorded, resourceType, str, tags } from '../resource-type.js';

/** IAM CreateRole: RoleName 1-64 of `[\w+=,.@-]` (API reference). */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

function parsePolicy(text: string, where: string): PolicyDocument {
  try {
    return JSON.parse(text) as PolicyDocument;
  } catch {
    throw new Error(`MalformedPolicyDocument: ${where} is not JSON`);
  }
}

export const callerIdentity = resourceType({
  type: 'aws_caller_identity',
  mode: 'data',
  schema: v.strictObject({}),
  apply: (_args, { emulator }) => ({
    id: emulator.account.accountId,
    account_id: emulator.account.accountId,
    arn: `arn:aws:iam::${emulator.account.accountId}:user/local-admin`,
    user_id: 'AIDALOCALADMIN',
  }),
});

export const region = resourceType({
  type: 'aws_region',
  mode: 'data',
  schema: v.strictObject({}),
  apply: (_args, { emulator }) => ({ id: emulator.account.region, name: emulator.account.region, region: emulator.account.region }),
});

export const iamRole = resourceType({
  type: 'aws_iam_role',
  mode: 'managed',
  schema: v.strictObject({
    name: str(),
    assume_role_policy: str(),
    max_session_duration: optNum(),
    description: optStr(),
    path: v.optional(v.literal('/')),
    force_detach_policies: recorded('only affects deletion, which the applier never does'),
    tags: tags(),
  }),
  apply(args, context) {
    const { emulator } = context;
    if (!ROLE_NAME.test(args.name)) throw new Error(`ValidationError: role name ${JSON.stringify(args.name)} must be 1-64 of [\\w+=,.@-]`);
    const maxSession = args.max_session_duration ?? 3600;
    if (maxSession < 3600 || maxSession > 43_200) throw new Error('ValidationError: MaxSessionDuration must be 3600-43200 seconds');
    const trust = parsePolicy(args.assume_role_policy, 'assume_role_policy');
    // IAM checks that an AWS principal named in a trust policy exists when the role is created ("Invalid principal in
    // policy"); a role of this stack is sure to exist only if Terraform creates it first (a dependency).
    for (const principal of awsPrincipals(trust)) {
      const creator = context.appliedOf('aws_iam_role').find((r) => r.attributes.arn === principal);
      const seeded = emulator.account.role(principal) !== undefined && !creator;
      if (!seeded && !(creator && context.dependsOn(creator.address)))
        throw new Error(
          `MalformedPolicyDocument: Invalid principal in policy: "AWS":"${principal}" (the role it names is not created before this one: add it to depends_on)`,
        );
    }
    const arn = `arn:aws:iam::${emulator.account.accountId}:role/${args.name}`;
    emulator.account.createRole({ name: args.name, arn, trust, policies: [], maxSessionDurationSeconds: maxSession });
    return {
      id: args.name,
      name: args.name,
      arn,
      unique_id: `AROA${context.stableId(17, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`,
      max_session_duration: maxSession,
    };
  },
});

export const iamRolePolicy = resourceType({
  type: 'aws_iam_role_policy',
  mode: 'managed',
  schema: v.strictObject({ role: str(), name: str(), policy: str() }),
  apply(args, { emulator }) {
    // `role` is the role's name (its id); IAM PutRolePolicy.
    emulator.account.putRolePolicy(args.role, { name: args.name, document: parsePolicy(args.policy, `policy ${args.name}`) });
    return { id: `${args.role}:${args.name}`, name: args.name, role: args.role };
  },
});

export const iamPolicy = resourceType({
  type: 'aws_iam_policy',
  mode: 'managed',
  schema: v.strictObject({ name: str(), policy: str(), path: optStr(), description: optStr(), tags: tags() }),
  apply(args, { emulator, stableId }) {
    // IAM CreatePolicy: a customer managed policy, attached to roles or passed to AssumeRole as PolicyArns.
    const arn = emulator.account.createManagedPolicy(args.name, parsePolicy(args.policy, `policy ${args.name}`), { path: args.path ?? '/' });
    return { id: arn, arn, name: args.name, path: args.path ?? '/', policy_id: `ANPA${stableId(17, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}` };
  },
});

export const iamRolePolicyAttachment = resourceType({
  type: 'aws_iam_role_policy_attachment',
  mode: 'managed',
  schema: v.strictObject({ role: str(), policy_arn: str() }),
  apply(args, { emulator }) {
    // IAM AttachRolePolicy: the role by name, the policy by ARN (NoSuchEntity when either is missing).
    emulator.account.attachRolePolicy(args.role, args.policy_arn);
    return { id: `${args.role}-${args.policy_arn}`, role: args.role, policy_arn: args.policy_arn };
  },
});

function awsPrincipals(document: PolicyDocument): string[] {
  const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  return statements.flatMap((s) => {
    const principal = (s as { Principal?: unknown }).Principal;
    if (typeof principal !== 'object' || principal === null) return [];
    const aws = (principal as { AWS?: unknown }).AWS;
    const list = Array.isArray(aws) ? aws : aws === undefined ? [] : [aws];
    return list.filter((p): p is string => typeof p === 'string' && p.includes(':role/'));
  });
}
