/**
 * IoT control plane (REST-JSON): DescribeEndpoint, IoT policies (ListPolicies, GetPolicy) and their attachment to
 * Cognito identities (AttachPolicy, DetachPolicy, ListAttachedPolicies). Shapes from the IoT API reference (botocore's
 * iot service-2.json). Anything else is answered as not emulated (http/not-emulated.ts), never with a code AWS uses
 * for a normal outcome.
 *
 * Signing name: `iot`, or `execute-api`, which every SDK model named for the IoT control plane until 2023 (the AWS
 * CLI v2 of Debian 12, 2.9.19, still signs it so; aws/aws-sdk-js-v3#1704, aws/aws-sdk-go#4843) and which AWS accepts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { iotArn } from '../../../core/deployment.js';
import { validateCognitoIdentityId } from '../../../core/ids.js';
import type { LocalAccount } from '../account/account.js';
import { describePrincipal, type Principal } from '../account/principal.js';
import { peekAuthorizationScope } from '../auth/sigv4.js';
import { authenticateRequest } from '../http/authenticate.js';
import { decodePathSegment, parseJsonObject, sendJson } from '../http/io.js';
import { NotEmulatedError, sendNotEmulated } from '../http/not-emulated.js';
import { ServiceError } from '../http/service-error.js';
import { denied, type EmulatorLogger } from '../log.js';

export interface IotControlPlaneDependencies {
  account: LocalAccount;
  logger: EmulatorLogger;
  now: () => Date;
  advertisedHost: string;
}

const ENDPOINT_TYPES = new Set(['iot:Data', 'iot:Data-ATS', 'iot:CredentialProvider', 'iot:Jobs']);

export async function handleIotControlPlane(req: IncomingMessage, res: ServerResponse, body: Buffer, deps: IotControlPlaneDependencies): Promise<void> {
  try {
    const signedFor = peekAuthorizationScope(req.headers.authorization)?.service === 'execute-api' ? 'execute-api' : 'iot';
    const principal = authenticateRequest(req, body, signedFor, deps.account, deps.now());
    if (!URL.canParse(req.url ?? '/', 'http://local')) throw new ServiceError(400, 'InvalidRequestException', 'the request target is not a valid URL');
    const url = new URL(req.url ?? '/', 'http://local');
    const method = req.method ?? 'GET';
    const segments = url.pathname.split('/').slice(1).map(decodePathSegment);
    if (segments.some((segment) => segment === undefined)) throw new ServiceError(400, 'InvalidRequestException', 'the path is not valid percent-encoding');
    if (method === 'GET' && url.pathname === '/endpoint') return describeEndpoint(res, url, principal, deps);
    if (segments[0] === 'target-policies' && segments.length === 2 && (method === 'PUT' || method === 'POST')) {
      return changeAttachment(res, method === 'PUT' ? 'attach' : 'detach', segments[1]!, body, principal, deps);
    }
    if (segments[0] === 'attached-policies' && segments.length === 2 && method === 'POST') return listAttached(res, segments[1]!, principal, deps);
    if (method === 'GET' && url.pathname === '/policies') return listPolicies(res, url, principal, deps);
    if (method === 'GET' && segments[0] === 'policies' && segments.length === 2) return getPolicy(res, segments[1]!, principal, deps);
    throw new NotEmulatedError(
      `${method} ${url.pathname} is not an emulated IoT API (DescribeEndpoint, ListPolicies, GetPolicy, AttachPolicy, DetachPolicy, ListAttachedPolicies are)`,
    );
  } catch (error) {
    if (error instanceof NotEmulatedError) return sendNotEmulated(res, 'rest-json', error.message);
    if (!(error instanceof ServiceError)) throw error;
    sendJson(res, error.status, { message: error.message }, { 'x-amzn-errortype': error.code });
  }
}

/**
 * IAM evaluates an IoT action against the resources AWS's Service Authorization Reference lists for it
 * (account.authorizeAction): AttachPolicy and DetachPolicy are authorized against their target (only certificates and
 * thing groups have ARNs: a Cognito identity target is `*`), never against the policy they name.
 */
function authorize(principal: Principal, action: string, involved: Record<string, string>, deps: IotControlPlaneDependencies): void {
  const decision = deps.account.authorizeAction(principal, action, involved);
  if (!decision.allowed) {
    denied(deps.logger, { service: 'iot', who: describePrincipal(principal), action, resource: decision.resource, reason: decision.reason });
    throw new ServiceError(403, 'AccessDeniedException', `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${decision.resource}`);
  }
}

function describeEndpoint(res: ServerResponse, url: URL, principal: Principal, deps: IotControlPlaneDependencies): void {
  const type = url.searchParams.get('endpointType') ?? 'iot:Data';
  if (!ENDPOINT_TYPES.has(type)) throw new ServiceError(400, 'InvalidRequestException', `Endpoint type ${type} is not valid`);
  authorize(principal, 'iot:DescribeEndpoint', {}, deps);
  sendJson(res, 200, { endpointAddress: deps.advertisedHost });
}

function policyArn(deps: IotControlPlaneDependencies, name: string): string {
  return iotArn(deps.account, 'policy', name);
}

function changeAttachment(
  res: ServerResponse,
  change: 'attach' | 'detach',
  policyName: string,
  body: Buffer,
  principal: Principal,
  deps: IotControlPlaneDependencies,
): void {
  const input = parseJsonObject(body);
  if (input === undefined) throw new ServiceError(400, 'InvalidRequestException', 'the request body must be a JSON object like {"target": "<identity id>"}');
  const target = input.target;
  if (typeof target !== 'string' || target === '') throw new ServiceError(400, 'InvalidRequestException', 'target is required');
  // The target is a Cognito identity id (validated below): no resource type of the action applies, so `*`.
  authorize(principal, change === 'attach' ? 'iot:AttachPolicy' : 'iot:DetachPolicy', {}, deps);
  if (deps.account.iotPolicy(policyName) === undefined) throw new ServiceError(404, 'ResourceNotFoundException', `Policy ${policyName} does not exist`);
  // IoT policies attach to certificates and Cognito identities; the emulator has no certificates.
  try {
    validateCognitoIdentityId(target);
  } catch {
    throw new ServiceError(400, 'InvalidRequestException', `target ${target} is not a Cognito identity id (region:uuid); certificates are not emulated`);
  }
  if (change === 'attach') deps.account.attachPolicy(policyName, target);
  else deps.account.detachPolicy(policyName, target);
  deps.logger.log({
    level: 'info',
    message: `iot:${change === 'attach' ? 'AttachPolicy' : 'DetachPolicy'}`,
    policyName,
    target,
    by: describePrincipal(principal),
  });
  res.writeHead(200, { 'content-length': '0' });
  res.end();
}

function listAttached(res: ServerResponse, target: string, principal: Principal, deps: IotControlPlaneDependencies): void {
  authorize(principal, 'iot:ListAttachedPolicies', {}, deps);
  const policies = deps.account.attachedPolicies(target).map((p) => ({ policyName: p.name, policyArn: policyArn(deps, p.name) }));
  sendJson(res, 200, { policies });
}

/** ListPolicies: pageSize 1-250 (PageSize); `marker` is where the previous page stopped (base64, the Marker pattern). */
const POLICIES_PAGE_MAX = 250;

function listPolicies(res: ServerResponse, url: URL, principal: Principal, deps: IotControlPlaneDependencies): void {
  const rawSize = url.searchParams.get('pageSize');
  const pageSize = rawSize === null ? POLICIES_PAGE_MAX : Number(rawSize);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > POLICIES_PAGE_MAX)
    throw new ServiceError(400, 'InvalidRequestException', `pageSize must be an integer from 1 to ${POLICIES_PAGE_MAX}, got ${JSON.stringify(rawSize)}`);
  const marker = url.searchParams.get('marker');
  const start = marker === null ? 0 : Number(Buffer.from(marker, 'base64').toString('utf8'));
  if (!Number.isInteger(start) || start < 0) throw new ServiceError(400, 'InvalidRequestException', 'marker is not a marker this API returned');
  const ascending = url.searchParams.get('isAscendingOrder');
  if (ascending !== null && ascending !== 'true' && ascending !== 'false')
    throw new ServiceError(400, 'InvalidRequestException', `isAscendingOrder must be true or false, got ${JSON.stringify(ascending)}`);
  authorizeAction(principal, 'iot:ListPolicies', {}, deps);
  // "If true, the results are returned in ascending creation order": newest first otherwise.
  const names = deps.account.iotPolicyNames();
  if (ascending !== 'true') names.reverse();
  const page = names.slice(start, start + pageSize).map((policyName) => ({ policyName, policyArn: policyArn(deps, policyName) }));
  const nextMarker = start + pageSize < names.length ? Buffer.from(String(start + pageSize)).toString('base64') : undefined;
  sendJson(res, 200, { policies: page, ...(nextMarker ? { nextMarker } : {}) });
}

/**
 * GetPolicy: iot:GetPolicy on the policy's ARN (Service Authorization Reference: resource type `policy`, required);
 * a name with no policy is ResourceNotFoundException (404), the API's answer for a policy that does not exist. Dates
 * are epoch seconds (REST-JSON timestamps).
 */
function getPolicy(res: ServerResponse, policyName: string, principal: Principal, deps: IotControlPlaneDependencies): void {
  if (!POLICY_NAME.test(policyName))
    throw new ServiceError(400, 'InvalidRequestException', `policyName must be 1-128 of [\\w+=,.@-], got ${JSON.stringify(policyName.slice(0, 200))}`);
  const arn = policyArn(deps, policyName);
  authorizeAction(principal, 'iot:GetPolicy', { policy: arn }, deps);
  const policy = deps.account.iotPolicyRecord(policyName);
  if (policy === undefined) throw new ServiceError(404, 'ResourceNotFoundException', `Policy not found: ${policyName}`);
  sendJson(res, 200, {
    policyName,
    policyArn: arn,
    policyDocument: policy.text,
    defaultVersionId: policy.defaultVersionId,
    creationDate: policy.createdAt.getTime() / 1000,
    lastModifiedDate: policy.lastModifiedAt.getTime() / 1000,
    generationId: policy.generationId,
  });
}

/** IoT API reference, PolicyName: 1-128 characters of `[\w+=,.@-]+`. */
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;

/** Authorized against the resources the Service Authorization Reference lists for the action (or `*`). */
function authorizeAction(principal: Principal, action: string, involved: Record<string, string>, deps: IotControlPlaneDependencies): void {
  const decision = deps.account.authorizeAction(principal, action, involved);
  if (!decision.allowed) {
    denied(deps.logger, { service: 'iot', who: describePrincipal(principal), action, resource: decision.resource, reason: decision.reason });
    throw new ServiceError(403, 'AccessDeniedException', `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${decision.resource}`);
  }
}
