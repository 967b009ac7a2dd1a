/** IoT control plane (REST-JSON, signing name `iot`): DescribeEndpoint and IoT policy attachment to Cognito identities. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { iotArn } from '../../../core/deployment.js';
import { validateCognitoIdentityId } from '../../../core/ids.js';
import type { LocalAccount } from '../account/account.js';
import { describePrincipal, type Principal } from '../account/principal.js';
import { authenticateRequest } from '../http/authenticate.js';
import { decodePathSegment, parseJsonObject, sendJson } from '../http/io.js';
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
    const principal = authenticateRequest(req, body, 'iot', deps.account, deps.now());
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
    throw new ServiceError(
      404,
      'ResourceNotFoundException',
      `${method} ${url.pathname} is not an emulated IoT API (DescribeEndpoint, AttachPolicy, DetachPolicy, ListAttachedPolicies are)`,
    );
  } catch (error) {
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
