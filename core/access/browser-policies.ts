/**
 * What browsers may do on IoT Core, as policy documents. Browsers only ever connect, subscribe and receive: every
 * publish comes from a Lambda, after the request was validated and authorized.
 */
import { type Deployment, iotArn, topicsOf } from '../deployment.js';
import { InvalidIdError, validateId } from '../ids.js';
import { type PolicyDocument, policy, policySizeWithoutWhitespace } from '../policy/document.js';

/** STS: an inline session policy may have at most 2048 characters (plain text, whitespace not counted). */
export const SESSION_POLICY_MAX_CHARS = 2048;
/** IoT: an IoT policy document may have at most 2048 characters excluding whitespace. */
export const IOT_POLICY_MAX_CHARS = 2048;

export const COGNITO_SUB = '${cognito-identity.amazonaws.com:sub}';

/** A grant that does not fit STS's session policy limit: a bug in the grant, never a user's membership count. */
export class SessionPolicyTooLargeError extends Error {
  override readonly name = 'SessionPolicyTooLargeError';
}

/**
 * Upper bound for every non-Cognito browser session (the browser-client role's own policy). A session policy can only
 * narrow it: effective permissions = role policy ∩ session policy.
 */
export function browserClientRolePolicy(d: Deployment): PolicyDocument {
  const t = topicsOf(d);
  return policy(
    { Sid: 'ConnectAsAppClient', Effect: 'Allow', Action: 'iot:Connect', Resource: iotArn(d, 'client', `${d.app}.${d.stage}.*`) },
    {
      Sid: 'SubscribeAppTopics',
      Effect: 'Allow',
      Action: 'iot:Subscribe',
      Resource: [iotArn(d, 'topicfilter', t.broadcast()), iotArn(d, 'topicfilter', `${t.prefix}/users/*`)],
    },
    {
      Sid: 'ReceiveAppTopics',
      Effect: 'Allow',
      Action: 'iot:Receive',
      Resource: [iotArn(d, 'topic', t.broadcast()), iotArn(d, 'topic', `${t.prefix}/users/*`)],
    },
  );
}

export interface BrowserSessionGrant {
  userId: string;
  /**
   * An extra tab's client id suffix (`<app>.<stage>.<userId>.<tab>`), in the id alphabet. Each tab asks for its own
   * credentials, so the grant can name exactly one client id.
   */
  tab?: string;
}

export interface BrowserSessionScope {
  policy: PolicyDocument;
  clientId: string;
  topics: { subscribe: string[]; publish: string[] };
}

/** IoT: a client id is at most 128 bytes of UTF-8 (ids here are ASCII, so characters = bytes). */
export const IOT_CLIENT_ID_MAX_BYTES = 128;

/**
 * The session policy for one user of the app's own sign-in: exactly one client id, their private subtree (which holds
 * their room inboxes and jobs) and the broadcast topic; nothing else. Its size does not depend on how many rooms the
 * user is in: room membership is checked by the server when a message is sent (functions/messages).
 *
 * Exactly one client id, not `<clientId>.*`: IoT's `*` matches any characters, so a wildcard grant would let the user
 * connect as `<clientId>.#` or `<clientId>./x`; IoT publishes no lifecycle events for client ids containing `#` or
 * `+` (https://docs.aws.amazon.com/iot/latest/developerguide/life-cycle-events.html), so such a connection would be
 * invisible to presence. With one client id per grant, the suffix is validated once, here, and nothing else is
 * connectable.
 */
export function browserSessionPolicy(d: Deployment, grant: BrowserSessionGrant): BrowserSessionScope {
  const t = topicsOf(d);
  const userId = validateId('user id', grant.userId);
  const clientId = t.clientId(userId, grant.tab);
  if (clientId.length > IOT_CLIENT_ID_MAX_BYTES)
    throw new InvalidIdError('client id', clientId, `is ${clientId.length} bytes; IoT allows at most ${IOT_CLIENT_ID_MAX_BYTES}`);
  const document = sessionDocument(d, userId, clientId);
  const size = policySizeWithoutWhitespace(document);
  // STS: Policy is at most 2048 characters; ids are at most 64 characters, so this cannot happen with valid ids.
  if (size > SESSION_POLICY_MAX_CHARS)
    throw new SessionPolicyTooLargeError(`the session policy for ${userId} takes ${size} of ${SESSION_POLICY_MAX_CHARS} characters`);
  return {
    policy: document,
    clientId,
    topics: { subscribe: [t.broadcast(), `${t.userRoot(userId)}/#`], publish: [] },
  };
}

function sessionDocument(d: Deployment, userId: string, clientId: string): PolicyDocument {
  const t = topicsOf(d);
  const userRoot = t.userRoot(userId);
  return policy(
    { Effect: 'Allow', Action: 'iot:Connect', Resource: iotArn(d, 'client', clientId) },
    { Effect: 'Allow', Action: 'iot:Subscribe', Resource: [iotArn(d, 'topicfilter', t.broadcast()), iotArn(d, 'topicfilter', `${userRoot}/*`)] },
    { Effect: 'Allow', Action: 'iot:Receive', Resource: [iotArn(d, 'topic', t.broadcast()), iotArn(d, 'topic', `${userRoot}/*`)] },
  );
}

/**
 * Cognito identities (guest or signed in) connect only as `<app>.<stage>.<identity id>`: their own id, within the
 * stage's client ids (TopicScheme.clientId), so the stage's presence rule sees them and no other stage's does.
 */
function cognitoConnect(d: Deployment) {
  return { Effect: 'Allow' as const, Action: 'iot:Connect', Resource: iotArn(d, 'client', `${topicsOf(d).clientIdPrefix()}${COGNITO_SUB}`) };
}

/** Guests (unauthenticated Cognito identities): the broadcast topic only. Needs no IoT policy. */
export function cognitoGuestRolePolicy(d: Deployment): PolicyDocument {
  const t = topicsOf(d);
  return policy(
    cognitoConnect(d),
    { Effect: 'Allow', Action: 'iot:Subscribe', Resource: iotArn(d, 'topicfilter', t.broadcast()) },
    { Effect: 'Allow', Action: 'iot:Receive', Resource: iotArn(d, 'topic', t.broadcast()) },
  );
}

/**
 * Signed-in Cognito identities: broadcast plus their own private topics, keyed by the identity id. The same grant is
 * used twice because IoT requires both: as the authenticated role's IAM policy, and as the IoT policy attached to the
 * identity id at run time (effective permissions = role ∩ attached IoT policies).
 */
export function cognitoUserPolicy(d: Deployment): PolicyDocument {
  const t = topicsOf(d);
  const ownRoot = `${t.prefix}/users/${COGNITO_SUB}`;
  return policy(
    cognitoConnect(d),
    {
      Effect: 'Allow',
      Action: 'iot:Subscribe',
      Resource: [iotArn(d, 'topicfilter', t.broadcast()), iotArn(d, 'topicfilter', `${ownRoot}/*`)],
    },
    { Effect: 'Allow', Action: 'iot:Receive', Resource: [iotArn(d, 'topic', t.broadcast()), iotArn(d, 'topic', `${ownRoot}/*`)] },
  );
}
