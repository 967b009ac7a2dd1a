/**
 * Vends hourly STS credentials to a user of the app's own sign-in, scoped by a session policy to exactly their
 * topics and one client id (the workaround for non-Cognito users: IoT custom authorizers do not work for browsers'
 * SigV4 sockets).
 */
import { createHash } from 'node:crypto';
import { browserSessionPolicy, IOT_CLIENT_ID_MAX_BYTES } from '../../core/access/browser-policies.js';
import type { CredentialsRequest, CredentialsResponse } from '../../core/contracts/http.js';
import type { Deployment } from '../../core/deployment.js';
import { topicsOf } from '../../core/deployment.js';
import type { AppUser } from '../shared/app-token.js';
import { ValidationError } from '../shared/errors.js';
import type { CredentialVendor } from '../shared/ports.js';

export interface IssueCredentialsDependencies {
  vendor: CredentialVendor;
  deployment: Deployment;
  iotEndpoint: string;
  /** STS: role chaining caps sessions at one hour. */
  durationSeconds: number;
}

/** STS: RoleSessionName is 2-64 characters of `[\w+=,.@-]`. */
export const ROLE_SESSION_NAME_MAX = 64;
const SESSION_PREFIX = 'user-';
/** 64 bits of SHA-256: a collision between two long ids with the same 42-character prefix is not a practical concern. */
const HASH_CHARS = 16;

/**
 * The RoleSessionName for a user: it appears in CloudTrail (the assumed-role ARN `.../<role>/<session name>`), so it
 * names the user readably and uniquely. `user-<id>` when that fits in 64 characters; otherwise the first 42 characters
 * of the id, `.` and a hash of the whole id. `.` never occurs in user ids (core/ids.ts), so a shortened name can never
 * equal another user's full one. The credentials function logs the mapping for the shortened ones.
 */
export function roleSessionName(userId: string): string {
  const full = `${SESSION_PREFIX}${userId}`;
  if (full.length <= ROLE_SESSION_NAME_MAX) return full;
  const hash = createHash('sha256').update(userId).digest('hex').slice(0, HASH_CHARS);
  return `${SESSION_PREFIX}${userId.slice(0, ROLE_SESSION_NAME_MAX - SESSION_PREFIX.length - 1 - HASH_CHARS)}.${hash}`;
}

export interface IssuedCredentials {
  response: CredentialsResponse;
  roleSessionName: string;
}

export async function issueRealtimeCredentials(user: AppUser, request: CredentialsRequest, deps: IssueCredentialsDependencies): Promise<IssuedCredentials> {
  const clientId = topicsOf(deps.deployment).clientId(user.userId, request.tab);
  if (clientId.length > IOT_CLIENT_ID_MAX_BYTES) {
    const excess = clientId.length - IOT_CLIENT_ID_MAX_BYTES;
    const advice = request.tab !== undefined && request.tab.length > excess ? `; a "tab" of at most ${request.tab.length - excess} characters fits` : '';
    throw new ValidationError(`the client id would be ${clientId.length} characters long; IoT allows at most ${IOT_CLIENT_ID_MAX_BYTES}${advice}`);
  }
  // A fixed-size grant: one client id, the user's own subtree (room inboxes, jobs) and broadcast, whatever their rooms.
  const scope = browserSessionPolicy(deps.deployment, { userId: user.userId, ...(request.tab !== undefined ? { tab: request.tab } : {}) });
  const sessionName = roleSessionName(user.userId);
  const credentials = await deps.vendor.vend({ sessionName, policy: JSON.stringify(scope.policy), durationSeconds: deps.durationSeconds });
  return {
    roleSessionName: sessionName,
    response: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
      expiration: credentials.expiration.toISOString(),
      // The browser signs with this region: it must be the endpoint's.
      region: deps.deployment.region,
      iotEndpoint: deps.iotEndpoint,
      clientId: scope.clientId,
      topics: scope.topics,
    },
  };
}
