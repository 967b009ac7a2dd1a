import { looksLikeEmail, PASSWORD_RULES, passwordProblem, unmetRules } from './password-rules.js';

describe('the password rules of the deployed user pool', () => {
  it('are 12+ characters with a lowercase letter, an uppercase letter and a digit', () => {
    expect(PASSWORD_RULES.map((r) => r.text)).toEqual(['At least 12 characters', 'A lowercase letter', 'An uppercase letter', 'A digit (0-9)']);
    expect(passwordProblem('Correct horse 7')).toBeUndefined();
    expect(passwordProblem('Abcdefghijk1')).toBeUndefined(); // exactly 12
  });

  it('says what is missing, all of it, in one sentence', () => {
    expect(passwordProblem('Abcdefghij1')).toBe('The password needs at least 12 characters.');
    expect(passwordProblem('abcdefghijkl')).toBe('The password needs an uppercase letter and a digit (0-9).');
    expect(passwordProblem('')).toBe('The password needs at least 12 characters, a lowercase letter, an uppercase letter and a digit (0-9).');
    expect(unmetRules('ABCDEFGHIJK1').map((r) => r.id)).toEqual(['lowercase']);
  });

  it('counts characters, not UTF-16 units, and letters of any script', () => {
    expect(unmetRules('😀😀😀😀😀😀😀😀😀😀😀').map((r) => r.id)).toContain('length'); // 11 emoji, 22 units
    expect(passwordProblem('Ünïcödé pass 9')).toBeUndefined();
  });
});

describe('looksLikeEmail', () => {
  it('wants a local part, an @ and a domain with a dot', () => {
    expect(looksLikeEmail('dana@example.com')).toBe(true);
    for (const bad of ['dana', 'dana@', '@example.com', 'dana@example', 'da na@example.com']) expect(looksLikeEmail(bad)).toBe(false);
  });
});
