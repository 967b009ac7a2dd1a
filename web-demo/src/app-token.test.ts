import { appTokenSource, isExpiring, readClaims } from './app-token.js';
import type { DemoConfig } from './config.js';

const jwt = (payload: Record<string, unknown>) => `h.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.s`;
const config = { mode: 'local', apiUrl: 'http://api.test' } as DemoConfig;

describe('app token claims', () => {
  it('reads exp, name and roles, and nothing from a token it cannot read', () => {
    expect(readClaims(jwt({ exp: 2_000_000_000, name: 'Alice', roles: ['admin', 7] }))).toEqual({ exp: 2_000_000_000, name: 'Alice', roles: ['admin'] });
    expect(readClaims('not a jwt')).toEqual({ roles: [] });
    expect(readClaims('a.%%%.c')).toEqual({ roles: [] });
  });

  it('calls a token expiring within a minute expiring', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(isExpiring(jwt({ exp: now / 1000 + 59 }), now)).toBe(true);
    expect(isExpiring(jwt({ exp: now / 1000 + 120 }), now)).toBe(false);
    expect(isExpiring(jwt({}), now)).toBe(false);
  });
});

describe('appTokenSource', () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  it('uses the token while it is valid, and renews it once (locally, /dev/token) when it is about to expire', async () => {
    const renewed = jwt({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 3600 });
    const asked: string[] = [];
    globalThis.fetch = (async (url: string, init: RequestInit) => {
      asked.push(`${url} ${String(init.body)}`);
      return new Response(JSON.stringify({ token: renewed }), { status: 200 });
    }) as typeof fetch;
    const fresh = jwt({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 3600 });
    const identity = { kind: 'app' as const, userId: 'alice', name: 'Alice', token: fresh };
    const token = appTokenSource(config, identity);
    expect(await token()).toBe(fresh);
    identity.token = jwt({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 10 });
    expect(await Promise.all([token(), token()])).toEqual([renewed, renewed]);
    expect(asked).toEqual(['http://api.test/dev/token {"sub":"alice"}']);
    expect(identity.token).toBe(renewed);
  });
});
