/**
 * The local stack as the end-to-end suites use it (emulator + API + Lambdas + the production build of the page), and
 * the API calls a test makes on the side: tokens, rooms and messages set up without the page.
 */
import { isCognitoIdentityId } from '../../core/ids.js';
import { type LogEntry, memoryLogger } from '../../local/emulator/log.js';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../local/stack.js';
import { type ApiCall, apiClient, appToken } from '../../test/support/local-api.js';

/** One web port per jest worker (E2E_WEB_PORT, 5180 by default, for the first): suites run side by side. */
export const WEB_PORT = Number(process.env.E2E_WEB_PORT ?? 5180) + Number(process.env.JEST_WORKER_ID ?? 1) - 1;

export type E2eStack = LocalStack & {
  /** What the emulator logged (refusals, connections, Cognito confirmation codes). */
  logs: LogEntry[];
};

export async function startE2eStack(options: Pick<LocalStackOptions, 'credentialLifetimeCapSeconds' | 'rateLimit'> = {}): Promise<E2eStack> {
  const logger = memoryLogger();
  const stack = await startLocalStack({
    emulatorPort: 0,
    apiPort: 0,
    corsOrigins: [`http://127.0.0.1:${WEB_PORT}`],
    logger,
    web: { port: WEB_PORT, mode: 'static' },
    jobRetryDelayMs: 200,
    functionLogLevel: 'SILENT',
    ...options,
  });
  return Object.assign(stack, { logs: logger.entries });
}

/** The emulator's `mqtt disconnected` lines with this reason (DUPLICATE_CLIENTID: a takeover). */
export function disconnects(stack: E2eStack, reason: string): LogEntry[] {
  return stack.logs.filter((e) => e.message === 'mqtt disconnected' && e.reason === reason);
}

/**
 * The confirmation code the emulator's user pool logged for `username` (no email is sent locally). A pool with email
 * usernames names the user by a generated sub: the sign-in email is then the `email` of the entry.
 */
export function confirmationCode(stack: E2eStack, username: string): string {
  const entry = stack.logs.findLast(
    (e) => typeof e.code === 'string' && (e.username === username || e.email === username) && String(e.message).includes('confirmation code'),
  );
  if (!entry) throw new Error(`no confirmation code was logged for ${username}`);
  return entry.code as string;
}

/**
 * A user acting through the API: create rooms, add and remove members, post. Every call must succeed. The user has
 * used the API once when this resolves, so the directory knows them (an invite names an existing user).
 */
export interface ApiUser {
  token: string;
  createRoom(name: string): Promise<string>;
  /** Adds a member by user id; an app user who never used the API is registered first, as their first page load would. */
  addMember(roomId: string, userId: string): Promise<void>;
  removeMember(roomId: string, userId: string): Promise<void>;
  post(roomId: string, text: string): Promise<string>;
  members(roomId: string): Promise<Array<{ userId: string; role: string }>>;
}

/** An app user the directory knows: their first call to the rooms function writes their profile. */
export async function registerAppUser(stack: LocalStack, userId: string): Promise<string> {
  const api = apiClient(() => stack);
  const token = await appToken(api, userId);
  await expectStatus(api('GET', '/rooms', { token }), 200, `register ${userId}`);
  return token;
}

async function expectStatus(call: ReturnType<ApiCall>, status: number, what: string) {
  const res = await call;
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function apiUser(stack: LocalStack, userId: string): Promise<ApiUser> {
  const api = apiClient(() => stack);
  const token = await registerAppUser(stack, userId);
  return {
    token,
    createRoom: async (name) => (await expectStatus(api('POST', '/rooms', { token, body: { name } }), 201, 'create room')).roomId as string,
    addMember: async (roomId, member) => {
      if (!isCognitoIdentityId(member)) await registerAppUser(stack, member);
      await expectStatus(api('PUT', `/rooms/${roomId}/members/${encodeURIComponent(member)}`, { token }), 204, 'add member');
    },
    removeMember: async (roomId, member) =>
      void (await expectStatus(api('DELETE', `/rooms/${roomId}/members/${encodeURIComponent(member)}`, { token }), 204, 'remove member')),
    post: async (roomId, text) => (await expectStatus(api('POST', `/rooms/${roomId}/messages`, { token, body: { text } }), 202, 'post')).messageId as string,
    members: async (roomId) =>
      (await expectStatus(api('GET', `/rooms/${roomId}/members`, { token }), 200, 'members')).members as Array<{ userId: string; role: string }>,
  };
}
