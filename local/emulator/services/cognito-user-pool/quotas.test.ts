import { COGNITO_USER_POOL_QUOTAS, OPERATION_CATEGORY, UserPoolRequestQuotas } from './quotas.js';

describe('user pool request quotas', () => {
  it("holds Cognito's published default rates", () => {
    expect(COGNITO_USER_POOL_QUOTAS).toEqual({
      UserAuthentication: 120,
      UserCreation: 50,
      UserAccountRecovery: 30,
      UserRead: 120,
      UserUpdate: 25,
      UserToken: 120,
    });
    expect(OPERATION_CATEGORY.InitiateAuth).toBe('UserAuthentication');
    expect(OPERATION_CATEGORY.SignUp).toBe('UserCreation');
  });

  it('admits a burst of one second of the quota, refuses the next, and refills at the quota per second', () => {
    const quotas = new UserPoolRequestQuotas(COGNITO_USER_POOL_QUOTAS, 0);
    for (let i = 0; i < 120; i += 1) expect(quotas.admit('InitiateAuth', 0)).toBe(true);
    expect(quotas.admit('InitiateAuth', 0)).toBe(false);
    // Another category is not affected; a 10th of a second later 12 more InitiateAuth pass.
    expect(quotas.admit('SignUp', 0)).toBe(true);
    let admitted = 0;
    for (let i = 0; i < 20; i += 1) if (quotas.admit('InitiateAuth', 100)) admitted += 1;
    expect(admitted).toBe(12);
  });

  it('gives RespondToAuthChallenge three times the rate, then counts the excess against UserAuthentication', () => {
    const quotas = new UserPoolRequestQuotas({ ...COGNITO_USER_POOL_QUOTAS, UserAuthentication: 2 }, 0);
    for (let i = 0; i < 6; i += 1) expect(quotas.admit('RespondToAuthChallenge', 0)).toBe(true);
    expect(quotas.admit('RespondToAuthChallenge', 0)).toBe(true);
    expect(quotas.admit('RespondToAuthChallenge', 0)).toBe(true);
    expect(quotas.admit('RespondToAuthChallenge', 0)).toBe(false);
    expect(quotas.admit('InitiateAuth', 0)).toBe(false);
  });

  it('does not count operations it has no category for, and refuses a quota of zero', () => {
    const quotas = new UserPoolRequestQuotas({ ...COGNITO_USER_POOL_QUOTAS, UserAuthentication: 1 }, 0);
    for (let i = 0; i < 5; i += 1) expect(quotas.admit('DescribeUserPool', 0)).toBe(true);
    expect(() => new UserPoolRequestQuotas({ ...COGNITO_USER_POOL_QUOTAS, UserRead: 0 }, 0)).toThrow('UserRead');
  });
});
