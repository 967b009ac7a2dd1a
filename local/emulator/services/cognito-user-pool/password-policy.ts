/**
 * A user pool's password policy (PasswordPolicyType: MinimumLength 6-99, RequireUppercase, RequireLowercase,
 * RequireNumbers, RequireSymbols; https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_PasswordPolicyType.html).
 * A password that breaks it gets InvalidPasswordException with Cognito's wording: "Password did not conform with
 * policy: Password not long enough" / "... must have uppercase characters" / lowercase / numeric / symbol.
 */
import { ServiceError } from '../../http/service-error.js';

export interface PasswordPolicy {
  minimumLength: number;
  requireUppercase: boolean;
  requireLowercase: boolean;
  requireNumbers: boolean;
  requireSymbols: boolean;
  /**
   * TemporaryPasswordValidityDays (0-365, default 7): how long an administrator-set temporary password works. Kept:
   * AdminCreateUser is not emulated, so no temporary password exists locally.
   */
  temporaryPasswordValidityDays: number;
}

/**
 * What CreateUserPool sets when no policy is given (developer guide, "Adding user pool password requirements": by
 * default a password needs 8 characters with at least one number, one special character, one uppercase and one
 * lowercase letter; a temporary password lasts 7 days).
 */
export const COGNITO_DEFAULT_PASSWORD_POLICY: PasswordPolicy = {
  minimumLength: 8,
  requireUppercase: true,
  requireLowercase: true,
  requireNumbers: true,
  requireSymbols: true,
  temporaryPasswordValidityDays: 7,
};

/**
 * Cognito developer guide, "Adding user pool password requirements": the special characters are
 * ^ $ * . [ ] { } ( ) ? " ! @ # % & / \ , > < ' : ; | _ ~ ` = + - and a non-leading, non-trailing space.
 */
const SYMBOLS = new Set('^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+-'.split(''));
/** SignUp API reference, Password: length 1-256. */
const MAX_PASSWORD_LENGTH = 256;

export function validatePasswordPolicy(policy: PasswordPolicy): void {
  if (!Number.isInteger(policy.minimumLength) || policy.minimumLength < 6 || policy.minimumLength > 99) {
    throw new Error(`password policy: minimumLength must be an integer from 6 to 99 (PasswordPolicyType), got ${policy.minimumLength}`);
  }
  const days = policy.temporaryPasswordValidityDays;
  if (!Number.isInteger(days) || days < 0 || days > 365) {
    throw new Error(`password policy: temporaryPasswordValidityDays must be an integer from 0 to 365 (PasswordPolicyType), got ${days}`);
  }
}

export function checkPassword(policy: PasswordPolicy, password: unknown): string {
  if (typeof password !== 'string' || password.length === 0) {
    throw new ServiceError(
      400,
      'InvalidParameterException',
      "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new ServiceError(
      400,
      'InvalidParameterException',
      `1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PASSWORD_LENGTH}`,
    );
  }
  const chars = [...password];
  const inner = chars.slice(1, -1);
  const failure =
    chars.length < policy.minimumLength
      ? 'Password not long enough'
      : policy.requireUppercase && !chars.some((c) => /\p{Lu}/u.test(c))
        ? 'Password must have uppercase characters'
        : policy.requireLowercase && !chars.some((c) => /\p{Ll}/u.test(c))
          ? 'Password must have lowercase characters'
          : policy.requireNumbers && !chars.some((c) => /[0-9]/.test(c))
            ? 'Password must have numeric characters'
            : policy.requireSymbols && !chars.some((c) => SYMBOLS.has(c)) && !inner.includes(' ')
              ? 'Password must have symbol characters'
              : undefined;
  if (failure !== undefined) throw new ServiceError(400, 'InvalidPasswordException', `Password did not conform with policy: ${failure}`);
  return password;
}
