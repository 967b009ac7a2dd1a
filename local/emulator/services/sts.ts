/**
 * STS (Query protocol, signing name `sts`): AssumeRole and GetCallerIdentity, with AWS's rules on trust,
 * DurationSeconds, role chaining and session policies (inline and managed). Responses and errors are STS's XML.
 * Other actions are answered as not emulated (http/not-emulated.ts: 501 InvalidAction).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PolicyDocument } from '../../../core/policy/document.js';
import { evaluatePolicies, UnsupportedPolicyFeatureError } from '../../../core/policy/evaluator.js';
import type { LocalAccount } from '../account/account.js';
import { TemporaryCredentialsLimitError } from '../account/credentials.js';
import { ROLE_SESSION_NAME, uniqueId } from '../account/identifiers.js';
import { describePrincipal, type Principal } from '../account/principal.js';
import { authenticateRequest } from '../http/authenticate.js';
import { escapeXml, sendXml } from '../http/io.js';
import { NOT_EMULATED_CODE } from '../http/not-emulated.js';
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
/**
 * STS AssumeRole, PolicyArns: "You can provide up to 10 managed policy ARNs. However, the plaintext that you use for
 * both inline and managed session policies can't exceed 2,048 characters" (API reference; botocore's
 * policyDescriptorListType). Each ARN is 20-2048 characters (arnType). What the packed form makes of them is not
 * published: the emulator checks the plaintext (inline policy plus the ARNs) and answers PackedPolicyTooLarge over it.
 */
const MANAGED_SESSION_POLICIES_MAX = 10;

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
    throw notEmulated(`the STS action ${action ?? '(none)'} is not emulated (AssumeRole and GetCallerIdentity are)`);
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    // 501 is the emulator's "not implemented" (http/not-emulated.ts): the sender asked for what is not served.
    const type = error.status >= 500 && error.status !== 501 ? 'Receiver' : 'Sender';
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
  if ([...params.keys()].some((k) => k.startsWith('Tags.') || k.startsWith('TransitiveTagKeys.')))
    throw notEmulated('session tags (Tags, TransitiveTagKeys) are not emulated');
  const managedSessionPolicyArns = managedSessionPolicies(params, account);
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
  const plaintext = (policyText ?? '').length + managedSessionPolicyArns.reduce((sum, arn) => sum + arn.length, 0);
  const packedPercent = Math.ceil((plaintext / SESSION_POLICY_MAX) * 100);
  if (plaintext > SESSION_POLICY_MAX)
    throw new ServiceError(
      400,
      'PackedPolicyTooLarge',
      `Packed policy consumes ${packedPercent}% of allotted space, please use smaller policy for this request.`,
    );

  const expiration = new Date(deps.now().getTime() + Math.min(duration, deps.lifetimeCapSeconds ?? duration) * 1000);
  let issued: ReturnType<typeof account.startRoleSession>;
  try {
    issued = account.startRoleSession(role, sessionName, expiration, {
      ...(sessionPolicy ? { sessionPolicy } : {}),
      ...(managedSessionPolicyArns.length > 0 ? { managedSessionPolicyArns } : {}),
    });
  } catch (error) {
    // STS over its request quota answers 400 `<Code>Throttling</Code><Message>Rate exceeded</Message>` (as reported in
    // jlevers/selling-partner-api#278 and aws/aws-sdk-go-v2#2481); SDKs retry it as throttling.
    if (error instanceof TemporaryCredentialsLimitError) {
      deps.logger.log({ level: 'warn', message: 'sts:AssumeRole refused: temporary credentials at their bound', by: who, limit: error.limit });
      throw new ServiceError(400, 'Throttling', 'Rate exceeded');
    }
    throw error;
  }
  deps.logger.log({
    level: 'info',
    message: 'sts:AssumeRole',
    by: who,
    role: role.name,
    sessionName,
    expires: expiration.toISOString(),
    sessionPolicy: sessionPolicy !== undefined,
    managedSessionPolicies: managedSessionPolicyArns.length,
  });
  // STS reports how much of the packed-policy budget the session policies used, as a percentage.
  const packed = plaintext === 0 ? '' : `<PackedPolicySize>${packedPercent}</PackedPolicySize>`;
  return (
    `<AssumeRoleResponse xmlns="${NS}"><AssumeRoleResult>` +
    `<Credentials><AccessKeyId>${issued.accessKeyId}</AccessKeyId><SecretAccessKey>${escapeXml(issued.secretAccessKey)}</SecretAccessKey>` +
    `<SessionToken>${escapeXml(issued.sessionToken ?? '')}</SessionToken><Expiration>${expiration.toISOString()}</Expiration></Credentials>` +
    `<AssumedRoleUser><Arn>${escapeXml(issued.principal.arn)}</Arn><AssumedRoleId>${escapeXml(issued.principal.assumedRoleId)}</AssumedRoleId></AssumedRoleUser>` +
    `${packed}</AssumeRoleResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></AssumeRoleResponse>`
  );
}

/**
 * `PolicyArns.member.N.arn` (the Query protocol's list of PolicyDescriptorType): at most 10, each a managed policy of
 * the role's account. AWS does not document its answer for an ARN naming no policy; the emulator refuses it
 * (InvalidParameterValue, a Common Error) rather than start a session whose managed session policy allows nothing.
 */
function managedSessionPolicies(params: URLSearchParams, account: LocalAccount): string[] {
  const arns: string[] = [];
  for (const [key, value] of params) {
    const member = /^PolicyArns\.member\.(\d+)\.arn$/.exec(key);
    if (key.startsWith('PolicyArns.') && !member)
      throw new ServiceError(400, 'ValidationError', `${key} is not a member of PolicyArns (PolicyArns.member.N.arn)`);
    if (!member) continue;
    if (value.length < 20 || value.length > 2048)
      throw new ServiceError(
        400,
        'ValidationError',
        `1 validation error detected: Value at 'policyArns.${member[1]}.member.arn' failed to satisfy constraint: Member must have length between 20 and 2048`,
      );
    arns.push(value);
  }
  if (arns.length > MANAGED_SESSION_POLICIES_MAX)
    throw new ServiceError(
      400,
      'ValidationError',
      `1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to ${MANAGED_SESSION_POLICIES_MAX}`,
    );
  for (const arn of arns)
    if (account.managedPolicy(arn) === undefined)
      throw new ServiceError(400, 'InvalidParameterValue', `The managed policy ${arn} does not exist in account ${account.accountId}.`);
  return [...new Set(arns)];
}

/** What the emulator does not implement: 501 with the Query protocol's unknown-action code (http/not-emulated.ts). */
const notEmulated = (message: string) => new ServiceError(501, NOT_EMULATED_CODE.query, `${message} (the local emulator does not implement it)`);

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
