/**
 * The password rules of the deployed user pool (infra/constructs/identity.ts: passwordPolicy minimumLength 12,
 * requireLowercase, requireUppercase, requireNumbers, no symbols; Cognito's PasswordPolicyType,
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_PasswordPolicyType.html), shown
 * before a sign-up and checked in the page with words a person understands. Letters are counted as the local
 * emulator counts them (Unicode upper and lower case); Cognito's own answer is still shown if it refuses.
 */
export interface PasswordRule {
  id: 'length' | 'lowercase' | 'uppercase' | 'digit';
  /** As listed before the user types: "At least 12 characters". */
  text: string;
  /** As missing: "at least 12 characters". */
  missing: string;
  test(password: string): boolean;
}

export const MIN_PASSWORD_LENGTH = 12;

export const PASSWORD_RULES: readonly PasswordRule[] = [
  {
    id: 'length',
    text: `At least ${MIN_PASSWORD_LENGTH} characters`,
    missing: `at least ${MIN_PASSWORD_LENGTH} characters`,
    test: (p) => [...p].length >= MIN_PASSWORD_LENGTH,
  },
  { id: 'lowercase', text: 'A lowercase letter', missing: 'a lowercase letter', test: (p) => /\p{Ll}/u.test(p) },
  { id: 'uppercase', text: 'An uppercase letter', missing: 'an uppercase letter', test: (p) => /\p{Lu}/u.test(p) },
  // Cognito's "number" is a digit 0-9.
  { id: 'digit', text: 'A digit (0-9)', missing: 'a digit (0-9)', test: (p) => /[0-9]/.test(p) },
];

/** The rules the password does not meet yet, in the listed order. */
export const unmetRules = (password: string): PasswordRule[] => PASSWORD_RULES.filter((rule) => !rule.test(password));

/** Why the password would be refused, in one sentence, or undefined when it meets every rule. */
export function passwordProblem(password: string): string | undefined {
  const unmet = unmetRules(password).map((rule) => rule.missing);
  if (unmet.length === 0) return undefined;
  const list = unmet.length === 1 ? unmet[0] : `${unmet.slice(0, -1).join(', ')} and ${unmet.at(-1)}`;
  return `The password needs ${list}.`;
}

/** Whether it looks like an email address (the user pool's username); the pool has the last word. */
export const looksLikeEmail = (email: string): boolean => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email);
