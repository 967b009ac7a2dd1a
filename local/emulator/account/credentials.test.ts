import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RoleDefinition } from '../../../core/access/model.js';
import { CredentialStore, CredentialsError, TemporaryCredentialsLimitError } from './credentials.js';
import type { Principal } from './principal.js';

const principal: Principal = { kind: 'user', arn: 'arn:aws:iam::000000000000:user/u', userName: 'u', policies: [] };
const t0 = new Date('2030-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const HOUR = 3_600_000;

describe('CredentialStore: bounded, never evicting what is valid (issue 20)', () => {
  it('at the bound drops expired credentials first, then refuses new ones; every valid one keeps working; long-term keys stay', () => {
    const store = new CredentialStore({ maxTemporary: 3 });
    store.add({ accessKeyId: 'AKIALONGTERM', secretAccessKey: 's', principal });
    const expired = store.issueTemporary(principal, at(-1000), 'requested', t0);
    const first = store.issueTemporary(principal, at(HOUR), 'requested', t0);
    const second = store.issueTemporary(principal, at(HOUR), 'requested', t0);
    expect(store.temporaryCount).toBe(3);
    // Over the bound: the expired one makes room.
    const third = store.issueTemporary(principal, at(HOUR), 'requested', t0);
    expect(store.secretFor(expired.accessKeyId)).toBeUndefined();
    expect(store.countOf('requested')).toBe(3);
    // Nothing expired left: the new one is refused, nothing is taken back.
    expect(() => store.issueTemporary(principal, at(HOUR), 'requested', at(2000))).toThrow(TemporaryCredentialsLimitError);
    for (const kept of [first, second, third]) expect(store.resolve(kept.accessKeyId, kept.sessionToken, at(3000)).principal).toEqual(principal);
    expect(store.secretFor('AKIALONGTERM')).toBe('s');
    expect(store.countOf('requested')).toBe(3);
  });

  it("counts the emulator's own service sessions apart: callers filling their share cannot stop them", () => {
    const store = new CredentialStore({ maxTemporary: 2 });
    store.issueTemporary(principal, at(HOUR), 'requested', t0);
    store.issueTemporary(principal, at(HOUR), 'requested', t0);
    expect(() => store.issueTemporary(principal, at(HOUR), 'requested', t0)).toThrow(TemporaryCredentialsLimitError);
    const service = store.issueTemporary(principal, at(HOUR), 'service', t0);
    expect(store.resolve(service.accessKeyId, service.sessionToken, t0).principal).toEqual(principal);
    expect(store.countOf('service')).toBe(1);
  });

  it('looks for expired credentials at most once a second at the bound, so a flood of refusals stays cheap', () => {
    const store = new CredentialStore({ maxTemporary: 2 });
    store.issueTemporary(principal, at(500), 'requested', t0);
    store.issueTemporary(principal, at(HOUR), 'requested', t0);
    expect(() => store.issueTemporary(principal, at(HOUR), 'requested', at(100))).toThrow(TemporaryCredentialsLimitError);
    // One has expired at 500 ms, but the last look was at 100 ms: still refused.
    expect(() => store.issueTemporary(principal, at(HOUR), 'requested', at(600))).toThrow(TemporaryCredentialsLimitError);
    expect(store.issueTemporary(principal, at(HOUR), 'requested', at(1100)).accessKeyId).toMatch(/^ASIA/);
  });

  it('refuses what a request gets wrong: unknown key, missing or wrong token, token on a long-term key, expired', () => {
    const store = new CredentialStore();
    store.add({ accessKeyId: 'AKIALONGTERM', secretAccessKey: 's', principal });
    const issued = store.issueTemporary(principal, at(HOUR), 'requested', t0);
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return (error as CredentialsError).code;
      }
      return 'none';
    };
    expect(code(() => store.resolve('ASIANOPE', 'x', t0))).toBe('UnknownAccessKey');
    expect(code(() => store.resolve(issued.accessKeyId, undefined, t0))).toBe('MissingSessionToken');
    expect(code(() => store.resolve(issued.accessKeyId, 'wrong', t0))).toBe('InvalidSessionToken');
    expect(code(() => store.resolve('AKIALONGTERM', 'x', t0))).toBe('InvalidSessionToken');
    expect(code(() => store.resolve(issued.accessKeyId, issued.sessionToken, at(HOUR)))).toBe('ExpiredToken');
    expect(() => store.add({ ...issued })).toThrow(/issueTemporary/);
  });
});

describe('CredentialStore: unexpired credentials survive a restart with a file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'credentials-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const role: RoleDefinition = {
    name: 'browser',
    arn: 'arn:aws:iam::000000000000:role/browser',
    trust: { Version: '2012-10-17', Statement: [] },
    policies: [],
    maxSessionDurationSeconds: 3600,
  };
  const session: Principal = {
    kind: 'role-session',
    arn: 'arn:aws:sts::000000000000:assumed-role/browser/alice',
    assumedRoleId: 'AROAEXAMPLE:alice',
    role,
    sessionName: 'alice',
    sessionPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] },
    managedSessionPolicyArns: ['arn:aws:iam::000000000000:policy/extra'],
    cognito: { identityId: 'us-east-1:00000000-0000-4000-8000-000000000000', identityPoolId: 'us-east-1:pool', authenticated: true },
  };

  it('reads them back, ties each session to its role by ARN when first used, and drops the expired ones', () => {
    const file = join(dir, 'credentials.json');
    const now = new Date();
    const before = new CredentialStore({ file, roleByArn: () => role });
    const kept = before.issueTemporary(session, new Date(now.getTime() + HOUR));
    const expired = before.issueTemporary(session, new Date(now.getTime() - 1000));
    before.flush();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain(kept.accessKeyId);
    expect(readFileSync(file, 'utf8')).not.toContain(expired.accessKeyId);

    let roleLookups = 0;
    const after = new CredentialStore({
      file,
      roleByArn: (arn) => {
        roleLookups += 1;
        return arn === role.arn ? role : undefined;
      },
    });
    expect(roleLookups).toBe(0);
    const resolved = after.resolve(kept.accessKeyId, kept.sessionToken, now);
    expect(resolved.principal).toEqual(session);
    expect(resolved.principal.kind === 'role-session' && resolved.principal.role).toBe(role);
    expect(after.countOf('requested')).toBe(1);
    expect(() => after.resolve(expired.accessKeyId, expired.sessionToken, now)).toThrow(CredentialsError);
  });

  it('refuses a saved session whose role no longer exists (UnknownAccessKey), and refuses a file of another shape', () => {
    const file = join(dir, 'credentials.json');
    const before = new CredentialStore({ file, roleByArn: () => role });
    const kept = before.issueTemporary(session, new Date(Date.now() + HOUR));
    before.flush();
    const after = new CredentialStore({ file, roleByArn: () => undefined });
    expect(() => after.resolve(kept.accessKeyId, kept.sessionToken, new Date())).toThrow(expect.objectContaining({ code: 'UnknownAccessKey' }));
    const other = join(dir, 'other.json');
    writeFileSync(other, '{"version":9}');
    expect(() => new CredentialStore({ file: other })).toThrow(/not a version-1 file/);
  });
});
