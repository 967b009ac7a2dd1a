import { CredentialStore, CredentialsError } from './credentials.js';
import type { Principal } from './principal.js';

const principal: Principal = { kind: 'user', arn: 'arn:aws:iam::000000000000:user/u', userName: 'u', policies: [] };
const inAnHour = () => new Date(Date.now() + 3_600_000);

describe('CredentialStore: bounded', () => {
  it('keeps at most maxTemporary temporary credentials: expired ones go first, then the oldest; long-term keys stay', () => {
    const store = new CredentialStore(3);
    store.add({ accessKeyId: 'AKIALONGTERM', secretAccessKey: 's', principal });
    const expired = store.issueTemporary(principal, new Date(Date.now() - 1000));
    const oldest = store.issueTemporary(principal, inAnHour());
    const middle = store.issueTemporary(principal, inAnHour());
    expect(store.temporaryCount).toBe(3);
    const newest = store.issueTemporary(principal, inAnHour());
    // Over the bound: the expired one is dropped, nothing else.
    expect(store.temporaryCount).toBe(3);
    expect(store.secretFor(expired.accessKeyId)).toBeUndefined();
    expect(store.secretFor(oldest.accessKeyId)).toBeDefined();
    store.issueTemporary(principal, inAnHour());
    // Nothing expired left: the oldest valid one goes; its holder gets UnknownAccessKey, as for a revoked key.
    expect(store.secretFor(oldest.accessKeyId)).toBeUndefined();
    expect(() => store.resolve(oldest.accessKeyId, oldest.sessionToken, new Date())).toThrow(CredentialsError);
    for (const kept of [middle, newest]) expect(store.resolve(kept.accessKeyId, kept.sessionToken, new Date()).principal).toBe(principal);
    expect(store.secretFor('AKIALONGTERM')).toBe('s');
    expect(store.temporaryCount).toBe(3);
  });
});
