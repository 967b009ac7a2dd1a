/**
 * The app user's JWT as the page uses it: read (not verified: the API verifies) for its expiry, name and roles, and
 * renewed before it expires. Locally the demo's issuer signs a new one for the same user (POST /dev/token), which is
 * what a refresh token would do with a real identity provider; the renewed token is saved for the other tabs.
 */
import type { DemoConfig } from './config.js';
import type { Identity } from './identity.js';
import { demoToken } from './local-tokens.js';
import { saveSession } from './session-store.js';

export interface AppTokenClaims {
  /** Epoch seconds. */
  exp?: number;
  name?: string;
  roles: string[];
}

/** The claims of a JWT's payload; empty when it cannot be read. */
export function readClaims(token: string): AppTokenClaims {
  const payload = token.split('.')[1];
  if (!payload) return { roles: [] };
  try {
    const json = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
    const roles = Array.isArray(json.roles) ? json.roles.filter((r): r is string => typeof r === 'string') : [];
    return {
      roles,
      ...(typeof json.exp === 'number' ? { exp: json.exp } : {}),
      ...(typeof json.name === 'string' ? { name: json.name } : {}),
    };
  } catch {
    return { roles: [] };
  }
}

/** A token this close to expiry is renewed before use (requests take a moment; clocks drift). */
const RENEW_BEFORE_MS = 60_000;

export function isExpiring(token: string, now = Date.now()): boolean {
  const { exp } = readClaims(token);
  return exp !== undefined && exp * 1000 - now < RENEW_BEFORE_MS;
}

type AppIdentity = Extract<Identity, { kind: 'app' }>;

/** The app user's token for every API call: the current one, or a renewed one when it is about to expire. */
export function appTokenSource(config: DemoConfig, identity: AppIdentity): () => Promise<string> {
  let renewing: Promise<string> | undefined;
  return async () => {
    if (!isExpiring(identity.token) || config.mode !== 'local') return identity.token;
    renewing ??= demoToken(config.apiUrl, identity.userId)
      .then(({ token }) => {
        identity.token = token;
        saveSession(identity);
        return token;
      })
      .finally(() => {
        renewing = undefined;
      });
    return renewing;
  };
}
