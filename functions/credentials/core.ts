/**
 * Vends hourly STS credentials to a user of the app's own sign-in, scoped by a session policy to exactly their
 * topics (the workaround for non-Cognito users: IoT custom authorizers do not work for browsers' SigV4 sockets).
 */
import type { CredentialsResponse } from '../../core/contracts/http.js';
import { browserSessionPolicy } from '../../core/access/browser-policies.js';
import type { Deployment } from '../../core/deployment.js';
import type { AppUser } from '../shared/app-token.js';
import type { CredentialVendor } from '../shared/ports.js';

export interface IssueCredentialsDependencies {
  vendor: CredentialVendor;
  deployment: Deployment;
  iotEndpoint: string;
  /** STS: role chaining caps sessions at one hour. */
  durationSeconds: number;
}

export async function issueRealtimeCredentials(user: AppUser, deps: IssueCredentialsDependencies): Promise<CredentialsResponse> {
  // A fixed-size grant: the user's client ids, own subtree (room inboxes, jobs) and broadcast, whatever their rooms.
  const scope = browserSessionPolicy(deps.deployment, { userId: user.userId });
  // STS: RoleSessionName is 2-64 characters; it shows up in CloudTrail, so it names the user.
  const sessionName = `user-${user.userId}`.slice(0, 64);
  const credentials = await deps.vendor.vend({ sessionName, policy: JSON.stringify(scope.policy), durationSeconds: deps.durationSeconds });
  return {
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    sessionToken: credentials.sessionToken,
    expiration: credentials.expiration.toISOString(),
    // The browser signs with this region: it must be the endpoint's.
    region: deps.deployment.region,
    iotEndpoint: deps.iotEndpoint,
    clientId: scope.clientId,
    topics: scope.topics,
  };
}
