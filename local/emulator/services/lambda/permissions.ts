/**
 * A function's resource-based policy: the statements AddPermission (Terraform: aws_lambda_permission) adds, evaluated
 * when another service invokes the function ("Working with resource-based IAM policies in Lambda"). API Gateway and IoT
 * invoke as their service principal, with `aws:SourceArn` (the API's execute-api ARN, the topic rule's ARN) and
 * `aws:SourceAccount` in the request context; a statement with `source_arn` matches it as ArnLike, one with
 * `source_account` as StringEquals (AddPermission API reference: SourceArn, SourceAccount).
 */
import { type PolicyDocument, type PolicyStatement, policy } from '../../../../core/policy/document.js';
import { type Decision, evaluatePolicies } from '../../../../core/policy/evaluator.js';

export interface PermissionInput {
  statementId: string;
  action: string;
  /** A service principal (`apigateway.amazonaws.com`), an account id or an ARN. */
  principal: string;
  sourceArn?: string;
  sourceAccount?: string;
}

/** AddPermission: StatementId `([a-zA-Z0-9-_.]+)`, 1-100 characters. */
const STATEMENT_ID = /^[a-zA-Z0-9-_.]{1,100}$/;

export class PermissionError extends Error {
  override readonly name = 'PermissionError';
}

export function permissionStatement(functionArn: string, input: PermissionInput): PolicyStatement {
  if (!STATEMENT_ID.test(input.statementId)) throw new PermissionError(`statement id ${JSON.stringify(input.statementId)} must match [a-zA-Z0-9-_.]{1,100}`);
  if (input.action !== 'lambda:InvokeFunction') throw new PermissionError(`only lambda:InvokeFunction permissions are emulated, got ${input.action}`);
  const principal = input.principal.endsWith('.amazonaws.com') ? { Service: input.principal } : { AWS: input.principal };
  const condition: Record<string, Record<string, string>> = {};
  if (input.sourceArn) condition.ArnLike = { 'AWS:SourceArn': input.sourceArn };
  if (input.sourceAccount) condition.StringEquals = { 'AWS:SourceAccount': input.sourceAccount };
  return {
    Sid: input.statementId,
    Effect: 'Allow',
    Principal: principal,
    Action: input.action,
    Resource: functionArn,
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  };
}

export function resourcePolicy(statements: readonly PolicyStatement[]): PolicyDocument {
  return policy(...statements);
}

/** May this AWS service invoke the function, on behalf of that source? */
export function serviceMayInvoke(
  statements: readonly PolicyStatement[],
  functionArn: string,
  caller: { service: string; sourceArn?: string; sourceAccount?: string },
): Decision {
  if (statements.length === 0) return { allowed: false, effect: 'ImplicitDeny', reason: 'the function has no resource-based policy (aws_lambda_permission)' };
  return evaluatePolicies([{ name: 'function policy', document: resourcePolicy(statements) }], {
    action: 'lambda:InvokeFunction',
    resource: functionArn,
    principal: { type: 'Service', id: caller.service },
    context: {
      ...(caller.sourceArn ? { 'aws:SourceArn': caller.sourceArn } : {}),
      ...(caller.sourceAccount ? { 'aws:SourceAccount': caller.sourceAccount } : {}),
    },
  });
}
