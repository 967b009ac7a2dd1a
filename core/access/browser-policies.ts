/**
 * What browsers may do on IoT Core, as policy documents. Browsers only ever connect, subscribe and receive: every
 * publish comes from a Lambda, after the request was validated and authorized.
 */
import { type Deployment, iotArn, topicsOf } from '../deployment.js';
import { validateId } from '../ids.js';
import { policy, policySizeWithoutWhitespace, type PolicyDocument } from '../policy/document.js';

/** STS: an inline session policy may have at most 2048 characters (plain text, whitespace not counted). */
export const SESSION_POLICY_MAX_CHARS = 2048;
/** IoT: an IoT policy document may have at most 2048 characters excluding whitespace. */
export const IOT_POLICY_MAX_CHARS = 2048;

export const COGNITO_SUB = '${cognito-identity.amazonaws.com:sub}';

export class SessionPolicyTooLargeError extends Error {
  override readonly name = 'SessionPolicyTooLargeError';
  constructor(
    readonly userId: string,
    readonly roomCount: number,
    readonly size: number,
    readonly maxRooms: number,
  ) {
    super(
      `user ${userId} belongs to ${roomCount} rooms; a session policy holds at most ${maxRooms} rooms ` +
        `(room ids this long; the policy would take ${size} of ${SESSION_POLICY_MAX_CHARS} characters)`,
    );
  }
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
      Resource: [
        iotArn(d, 'topicfilter', t.broadcast()),
        iotArn(d, 'topicfilter', `${t.prefix}/rooms/*`),
        iotArn(d, 'topicfilter', `${t.prefix}/users/*`),
      ],
    },
    {
      Sid: 'ReceiveAppTopics',
      Effect: 'Allow',
      Action: 'iot:Receive',
      Resource: [iotArn(d, 'topic', t.broadcast()), iotArn(d, 'topic', `${t.prefix}/rooms/*`), iotArn(d, 'topic', `${t.prefix}/users/*`)],
    },
  );
}

export interface BrowserSessionGrant {
  userId: string;
  rooms: readonly string[];
}

export interface BrowserSessionScope {
  policy: PolicyDocument;
  clientId: string;
  topics: { subscribe: string[]; publish: string[] };
}

/**
 * The session policy for one user of the app's own sign-in: their client ids, their private topics, their rooms and
 * the broadcast topic; nothing else. Room ids are exact resources (no wildcard), so a room grant never covers another
 * room. Throws SessionPolicyTooLargeError rather than silently dropping rooms.
 */
export function browserSessionPolicy(d: Deployment, grant: BrowserSessionGrant): BrowserSessionScope {
  const t = topicsOf(d);
  const userId = validateId('user id', grant.userId);
  const rooms = [...new Set(grant.rooms.map((r) => validateId('room id', r)))].sort();
  const document = sessionDocument(d, userId, rooms);
  const size = policySizeWithoutWhitespace(document);
  if (size > SESSION_POLICY_MAX_CHARS) {
    const longest = Math.max(...rooms.map((r) => r.length));
    throw new SessionPolicyTooLargeError(userId, rooms.length, size, maxRoomsPerSession(d, userId, longest));
  }
  return {
    policy: document,
    clientId: t.clientId(userId),
    topics: { subscribe: [t.broadcast(), `${t.userRoot(userId)}/#`, ...rooms.map((r) => t.room(r))], publish: [] },
  };
}

function sessionDocument(d: Deployment, userId: string, rooms: readonly string[]): PolicyDocument {
  const t = topicsOf(d);
  const clientId = t.clientId(userId);
  const userRoot = t.userRoot(userId);
  return policy(
    {
      Effect: 'Allow',
      Action: 'iot:Connect',
      // The user's own client id and `<id>.<suffix>` for further tabs; `.` never occurs in ids (see TopicScheme).
      Resource: [iotArn(d, 'client', clientId), iotArn(d, 'client', `${clientId}.*`)],
    },
    {
      Effect: 'Allow',
      Action: 'iot:Subscribe',
      Resource: [
        iotArn(d, 'topicfilter', t.broadcast()),
        iotArn(d, 'topicfilter', `${userRoot}/*`),
        ...rooms.map((r) => iotArn(d, 'topicfilter', t.room(r))),
      ],
    },
    {
      Effect: 'Allow',
      Action: 'iot:Receive',
      Resource: [iotArn(d, 'topic', t.broadcast()), iotArn(d, 'topic', `${userRoot}/*`), ...rooms.map((r) => iotArn(d, 'topic', t.room(r)))],
    },
  );
}

/** How many rooms with ids of the longest allowed length fit into one session policy for this deployment and user. */
export function maxRoomsPerSession(d: Deployment, userId: string, roomIdLength = 64): number {
  let rooms = 0;
  for (;;) {
    const ids = Array.from({ length: rooms + 1 }, (_, i) => `${i}`.padStart(roomIdLength, 'r'));
    if (policySizeWithoutWhitespace(sessionDocument(d, userId, ids)) > SESSION_POLICY_MAX_CHARS) return rooms;
    rooms += 1;
  }
}

/** Cognito identities (guest or signed in) connect only with their identity id as client id. */
function cognitoConnect(d: Deployment) {
  return { Effect: 'Allow' as const, Action: 'iot:Connect', Resource: iotArn(d, 'client', COGNITO_SUB) };
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
