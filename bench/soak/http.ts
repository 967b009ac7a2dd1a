/**
 * The three calls of the soak that bench/fanout/api.ts's LocalApi does not make: credentials for one tab's client id,
 * a POST whose failure is an outcome to record (not an error to throw), and a room's whole history.
 */
import type { CredentialsResponse } from '../../core/contracts/http.js';
import type { MessageAccepted, MessagePage, StoredMessage } from '../../core/contracts/rooms.js';
import type { PostOutcome } from './ledger.js';

/** A POST that has not been answered by then counts as failed (its poster gave up on it). */
const POST_TIMEOUT_MS = 30_000;

async function expectJson<T>(res: Response, expected: number, what: string): Promise<T> {
  const text = await res.text();
  if (res.status !== expected) throw new Error(`${what} answered ${res.status} (expected ${expected}): ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** POST /credentials {"tab"}: credentials whose grant names exactly `<app>.<stage>.<user>.<tab>` as client id. */
export async function tabCredentials(apiUrl: string, token: string, tab: string): Promise<CredentialsResponse> {
  const res = await fetch(`${apiUrl}/credentials`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tab }),
  });
  return expectJson<CredentialsResponse>(res, 200, 'POST /credentials');
}

/** POST /rooms/{roomId}/messages: 202 with its messageId, or the reason it failed (status, network error, timeout). */
export async function postRoomMessage(apiUrl: string, token: string, roomId: string, text: string): Promise<PostOutcome> {
  let res: Response;
  try {
    res = await fetch(`${apiUrl}/rooms/${roomId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
      signal: AbortSignal.timeout(POST_TIMEOUT_MS),
    });
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    return { kind: 'failed', reason: name === 'TimeoutError' ? 'timeout' : `network error (${error instanceof Error ? error.message : String(error)})` };
  }
  const body = await res.text();
  if (res.status !== 202) return { kind: 'failed', reason: `HTTP ${res.status}` };
  return { kind: 'accepted', messageId: (JSON.parse(body) as MessageAccepted).messageId };
}

/** GET /rooms/{roomId}/messages, every page. */
export async function roomHistory(apiUrl: string, token: string, roomId: string): Promise<StoredMessage[]> {
  const messages: StoredMessage[] = [];
  let before: string | undefined;
  do {
    const query = `limit=100${before ? `&before=${encodeURIComponent(before)}` : ''}`;
    const res = await fetch(`${apiUrl}/rooms/${roomId}/messages?${query}`, { headers: { authorization: `Bearer ${token}` } });
    const page = await expectJson<MessagePage>(res, 200, `GET /rooms/${roomId}/messages`);
    messages.push(...page.messages);
    before = page.nextCursor;
  } while (before);
  return messages;
}
