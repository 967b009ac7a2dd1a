import { ServiceError } from '../../http/service-error.js';
import { COGNITO_DEFAULT_PASSWORD_POLICY, checkPassword, type PasswordPolicy } from './password-policy.js';

const strict: PasswordPolicy = {
  minimumLength: 10,
  requireUppercase: true,
  requireLowercase: true,
  requireNumbers: true,
  requireSymbols: true,
  temporaryPasswordValidityDays: 7,
};
const LENGTH_ONLY_POLICY: PasswordPolicy = {
  ...COGNITO_DEFAULT_PASSWORD_POLICY,
  requireUppercase: false,
  requireLowercase: false,
  requireNumbers: false,
  requireSymbols: false,
};

function failure(policy: PasswordPolicy, password: unknown): { code: string; message: string } | undefined {
  try {
    checkPassword(policy, password);
    return undefined;
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    return { code: error.code, message: error.message };
  }
}

describe('password policy', () => {
  it('accepts 8 characters of anything under the default, refuses 7', () => {
    expect(failure(LENGTH_ONLY_POLICY, 'abcdefgh')).toBeUndefined();
    expect(failure(LENGTH_ONLY_POLICY, 'abcdefg')).toEqual({
      code: 'InvalidPasswordException',
      message: 'Password did not conform with policy: Password not long enough',
    });
  });

  it('names the first missing character class as Cognito does', () => {
    expect(failure(strict, 'abcdefghij1!')?.message).toBe('Password did not conform with policy: Password must have uppercase characters');
    expect(failure(strict, 'ABCDEFGHIJ1!')?.message).toBe('Password did not conform with policy: Password must have lowercase characters');
    expect(failure(strict, 'Abcdefghij!!')?.message).toBe('Password did not conform with policy: Password must have numeric characters');
    expect(failure(strict, 'Abcdefghij12')?.message).toBe('Password did not conform with policy: Password must have symbol characters');
    expect(failure(strict, 'Abcdefghij1^')).toBeUndefined();
  });

  it('counts an inner space as a symbol, not a leading or trailing one', () => {
    expect(failure(strict, 'Abcde fghij1')).toBeUndefined();
    expect(failure(strict, ' Abcdefghij1')?.message).toContain('symbol');
  });

  it('refuses a missing, empty or over-long password as an invalid parameter', () => {
    expect(failure(LENGTH_ONLY_POLICY, undefined)?.code).toBe('InvalidParameterException');
    expect(failure(LENGTH_ONLY_POLICY, '')?.code).toBe('InvalidParameterException');
    expect(failure(LENGTH_ONLY_POLICY, 'x'.repeat(257))?.code).toBe('InvalidParameterException');
    expect(failure(LENGTH_ONLY_POLICY, 'x'.repeat(256))).toBeUndefined();
  });
});
