import { assumedRoleUser, uniqueId } from './identifiers.js';

const role = { name: 'app-dev-browser-client', arn: 'arn:aws:iam::000000000000:role/app-dev-browser-client' };

describe('uniqueId', () => {
  it('is the 4-character prefix and 17 base32 characters, 21 in all', () => {
    expect(uniqueId('AROA', role.arn)).toMatch(/^AROA[A-Z2-7]{17}$/);
    expect(uniqueId('AIDA', 'arn:aws:iam::000000000000:user/local-admin')).toMatch(/^AIDA[A-Z2-7]{17}$/);
  });

  it('is stable for one entity and differs between entities', () => {
    expect(uniqueId('AROA', role.arn)).toBe(uniqueId('AROA', role.arn));
    expect(uniqueId('AROA', role.arn)).not.toBe(uniqueId('AROA', 'arn:aws:iam::000000000000:role/app-dev-fn-messages'));
  });
});

describe('assumedRoleUser', () => {
  it('builds the ARN and AssumedRoleId as STS returns them', () => {
    const user = assumedRoleUser('000000000000', role, 'alice');
    expect(user.arn).toBe('arn:aws:sts::000000000000:assumed-role/app-dev-browser-client/alice');
    expect(user.assumedRoleId).toBe(`${uniqueId('AROA', role.arn)}:alice`);
    expect(user.assumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:alice$/);
  });

  it('gives two sessions of one role the same role id and different session parts', () => {
    const a = assumedRoleUser('000000000000', role, 'alice');
    const b = assumedRoleUser('000000000000', role, 'bob');
    expect(a.assumedRoleId.split(':')[0]).toBe(b.assumedRoleId.split(':')[0]);
    expect(a.arn).not.toBe(b.arn);
  });

  it('refuses session names STS would refuse, and malformed account ids', () => {
    for (const bad of ['a', 'a b', 'x'.repeat(65), 'alice/admin', 'al*ce']) {
      expect(() => assumedRoleUser('000000000000', role, bad)).toThrow(/role session name/);
    }
    expect(() => assumedRoleUser('123', role, 'alice')).toThrow(/account id/);
    expect(assumedRoleUser('000000000000', role, 'a.b@c=d,e-f_g+h').arn).toMatch(/\/a\.b@c=d,e-f_g\+h$/);
  });
});
