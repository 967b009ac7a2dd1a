/**
 * Who is signed in, kept across reloads and shared by the tabs of this browser (localStorage): an app user with
 * their token (renewed when due, app-token.ts), or a Cognito user or guest, whose tokens Amplify keeps in its own
 * storage. Signing out in one tab signs out the others. First-load code: small, no realtime.
 */
import * as v from 'valibot';
import type { Identity } from './identity.js';

const KEY = 'iot-realtime-demo:session';

const SavedIdentitySchema = v.variant('kind', [
  v.object({ kind: v.literal('app'), userId: v.string(), name: v.string(), token: v.string() }),
  v.object({ kind: v.literal('cognito-user'), username: v.string() }),
  v.object({ kind: v.literal('cognito-guest') }),
]);

export function saveSession(identity: Identity): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(identity));
  } catch {
    // Storage may be full or disabled: the session then lasts as long as the page.
  }
}

/** The identity saved by a sign-in in this browser, if any (anything unreadable counts as none). */
export function savedSession(): Identity | undefined {
  let raw: string | null;
  try {
    raw = localStorage.getItem(KEY);
  } catch {
    return undefined;
  }
  if (raw === null) return undefined;
  try {
    const parsed = v.safeParse(SavedIdentitySchema, JSON.parse(raw));
    return parsed.success ? parsed.output : undefined;
  } catch {
    return undefined;
  }
}

export function forgetSession(): void {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // nothing kept, nothing to forget
  }
}

/** Calls `listener` when another tab signs out (removes the saved session); returns the function that stops it. */
export function onSignedOutElsewhere(listener: () => void): () => void {
  const onStorage = (event: StorageEvent) => {
    if (event.key === KEY && event.newValue === null) listener();
  };
  window.addEventListener('storage', onStorage);
  return () => window.removeEventListener('storage', onStorage);
}
