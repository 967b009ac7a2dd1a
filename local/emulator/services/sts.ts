/**
 * STS (Query protocol, signing name `sts`): AssumeRole and GetCallerIdentity, with AWS's rules on trust,
 * DurationSeconds, role chaining and session policies. Responses and errors are STS's XML.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PolicyDocument } from '../../../core/policy/document.js';
import { evaluatePolicies, UnsupportedPolicyFeatureError } from '../../../core/policy/evaluator.js';
import type { LocalAccount } from '../account/account.js';
import { ROLE_SESSION_NAME, uniqueId } from '../account/identifiers.js';
import { describePrincipal, type Principal } from '../account/principal.js';
import { authenticateRequest } from '../http/authenticate.js';
import { escapeXml, sendXml } from '../http/io.js';
import { ServiceError } from '../http/service-error.js';
import { denied, type EmulatorLogger } from '../log.js';

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
/**
 * STS: the plaintext of an inline session policy is at most 2048 characters (AssumeRole API reference, Policy:
 * "Length Constraints: Maximum length of 2048"; botocore's sessionPolicyDocumentType max 2048). Over it STS answers
 * ValidationError (400), a length-constraint failure (https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html);
 * PackedPolicyTooLarge is the separate limit on the compressed form, which the emulator does not model.
 */
const SESSION_POLICY_MAX = 2048;
const ROLE_CHAINING_MAX_SECONDS = 3600;

/** STS names authentication failures differently from the REST-JSON services. */
const AUTH_CODES: Record<string, string> = {
  UnrecognizedClientException: 'InvalidClientTokenId',
  ExpiredTokenException: 'ExpiredToken',
  MissingAuthenticationTokenException: 'MissingAuthenticationToken',
};

export interface StsDependencies {
  account: LocalAccount;
  logger: EmulatorLogger;
  now: () => Date;
  /** Local testing knob (see EmulatorOptions.credentialLifetimeCapSeconds). */
  lifetimeCapSeconds?: number;
}

export async function handleSts(req: IncomingMessage, res: ServerResponse, body: Buffer, deps: StsDependencies): Promise<void> {
  const requestId = randomUUID();
  try {
    let principal: Principal;
    try {
      principal = authenticateRequest(req, body, 'sts', deps.account, deps.now());
    } catch (error) {
      if (error instanceof ServiceError) throw new ServiceError(error.status, AUTH_CODES[error.code] ?? error.code, error.message);
      throw error;
    }
    const params = new URLSearchParams(body.toString('utf8'));
    const action = params.get('Action');
    if (params.get('Version') !== '2011-06-15') throw new ServiceError(400, 'InvalidAction', 'Version must be 2011-06-15');
    if (action === 'AssumeRole') return sendXml(res, 200, assumeRole(params, principal, deps, requestId), requestId);
    if (action === 'GetCallerIdentity') return sendXml(res, 200, getCallerIdentity(principal, deps.account, requestId), requestId);
    throw new ServiceError(
      400,
      'InvalidAction',
      `Could not find operation ${action ?? '(none)'} for version 2011-06-15 (the emulator implements AssumeRole and GetCallerIdentity)`,
    );
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    const type = error.status >= 500 ? 'Receiver' : 'Sender';
    sendXml(
      res,
      error.status,
      `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      requestId,
    );
  }
}

function assumeRole(params: URLSearchParams, caller: Principal, deps: StsDependencies, requestId: string): string {
  const { account } = deps;
  const roleArn = params.get('RoleArn') ?? '';
  const sessionName = params.get('RoleSessionName') ?? '';
  if (roleArn.length < 20)
    throw new ServiceError(
      400,
      'ValidationError',
      "1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20",
    );
  if (!ROLE_SESSION_NAME.test(sessionName)) {
    throw new ServiceError(
      400,
      'ValidationError',
      "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length 2 to 64",
    );
  }
  if ([...params.keys()].some((k) => k.startsWith('Tags.') || k.startsWith('TransitiveTagKeys.') || k.startsWith('PolicyArns.'))) {
    throw new ServiceError(400, 'ValidationError', 'session tags and managed session policies (PolicyArns) are not emulated; pass an inline Policy');
  }
  const role = account.role(roleArn);
  const who = describePrincipal(caller);
  const accessDenied = (reason: string) => {
    denied(deps.logger, { service: 'sts', who, action: 'sts:AssumeRole', resource: roleArn, reason });
    return new ServiceError(403, 'AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
  };
  if (role === undefined) throw accessDenied('no such role in the local account');
  // IAM: the caller's identity policies must allow sts:AssumeRole on the role, and the role's trust policy must trust the caller.
  const identity = account.authorize(caller, 'sts:AssumeRole', roleArn);
  if (!identity.allowed) throw accessDenied(`identity policies: ${identity.reason}`);
  const trust = account.trustsPrincipal(role, caller);
  if (!trust.allowed) throw accessDenied(`trust policy: ${trust.reason}`);

  const requested = params.get('DurationSeconds');
  const duration = requested === null ? 3600 : Number(requested);
  if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
    throw new ServiceError(
      400,
      'ValidationError',
      "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200",
    );
  }
  if (caller.kind === 'role-session' && duration > ROLE_CHAINING_MAX_SECONDS) {
    throw new ServiceError(400, 'ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  }
  if (duration > role.maxSessionDurationSeconds) {
    throw new ServiceError(
      400,
      'ValidationError',
      `The requested DurationSeconds exceeds the MaxSessionDuration set for this role (${role.maxSessionDurationSeconds}).`,
    );
  }

  const policyText = params.get('Policy');
  let sessionPolicy: PolicyDocument | undefined;
  if (policyText !== null) {
    if (policyText.length > SESSION_POLICY_MAX) {
      throw new ServiceError(
        400,
        'ValidationError',
        `1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to ${SESSION_POLICY_MAX}`,
      );
    }
    sessionPolicy = parseSessionPolicy(policyText);
  }

  const expiration = new Date(deps.now().getTime() + Math.min(duration, deps.lifetimeCapSeconds ?? duration) * 1000);
  const issued = account.startRoleSession(role, sessionName, expiration, sessionPolicy ? { sessionPolicy } : {});
  deps.logger.log({
    level: 'info',
    message: 'sts:AssumeRole',
    by: who,
    role: role.name,
    sessionName,
    expires: expiration.toISOString(),
    sessionPolicy: sessionPolicy !== undefined,
  });
  // STS reports how much of the packed-policy budget the session policy used, as a percentage.
  const packed =
    policyText === null ? '' : `<PackedPolicySize>${Math.ceil((policyText.replace(/\s/g, '').length / SESSION_POLICY_MAX) * 100)}</PackedPolicySize>`;
  return (
    `<AssumeRoleResponse xmlns="${NS}"><AssumeRoleResult>` +
    `<Credentials><AccessKeyId>${issued.accessKeyId}</AccessKeyId><SecretAccessKey>${escapeXml(issued.secretAccessKey)}</SecretAccessKey>` +
    `<SessionToken>${escapeXml(issued.sessionToken ?? '')}</SessionToken><Expiration>${expiration.toISOString()}</Expiration></Credentials>` +
    `<AssumedRoleUser><Arn>${escapeXml(issued.principal.arn)}</Arn><AssumedRoleId>${escapeXml(issued.principal.assumedRoleId)}</AssumedRoleId></AssumedRoleUser>` +
    `${packed}</AssumeRoleResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></AssumeRoleResponse>`
  );
}

function parseSessionPolicy(text: string): PolicyDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ServiceError(400, 'MalformedPolicyDocument', 'The policy is not valid JSON');
  }
  const doc = parsed as Partial<PolicyDocument>;
  if (typeof doc !== 'object' || doc === null || !Array.isArray(doc.Statement) || doc.Statement.length === 0) {
    throw new ServiceError(400, 'MalformedPolicyDocument', 'The policy must have a non-empty Statement array');
  }
  if (doc.Version !== undefined && doc.Version !== '2012-10-17' && doc.Version !== ('2008-10-17' as string)) {
    throw new ServiceError(400, 'MalformedPolicyDocument', `The policy Version ${String(doc.Version)} is not valid`);
  }
  for (const statement of doc.Statement) {
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny')
      throw new ServiceError(400, 'MalformedPolicyDocument', 'Every statement needs Effect Allow or Deny');
    if (statement.Principal !== undefined) throw new ServiceError(400, 'MalformedPolicyDocument', 'A session policy may not contain Principal');
  }
  const document: PolicyDocument = { Version: '2012-10-17', Statement: doc.Statement };
  try {
    // Evaluate once so unsupported constructs fail now with a clear message, not later on a delivery path.
    evaluatePolicies([{ name: 'session policy', document }], { action: 'sts:Validate', resource: '*' });
  } catch (error) {
    if (error instanceof UnsupportedPolicyFeatureError) throw new ServiceError(400, 'MalformedPolicyDocument', error.message);
    throw error;
  }
  return document;
}

function getCallerIdentity(principal: Principal, account: LocalAccount, requestId: string): string {
  // STS: UserId is the IAM user's unique id, or for a role session its AssumedRoleId (GetCallerIdentity API reference).
  const userId = principal.kind === 'user' ? uniqueId('AIDA', principal.arn) : principal.assumedRoleId;
  return (
    `<GetCallerIdentityResponse xmlns="${NS}"><GetCallerIdentityResult><Arn>${escapeXml(principal.arn)}</Arn>` +
    `<UserId>${escapeXml(userId)}</UserId><Account>${account.accountId}</Account></GetCallerIdentityResult>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`
  );
}
