import { ConfirmationAttempts, SignInLockout } from './lockout.js';

const S = 1000;

describe('sign-in lockout', () => {
  it('locks after the fifth failure for 1 s, then doubles per failure up to 15 minutes', () => {
    const lockout = new SignInLockout();
    let now = 0;
    for (let i = 0; i < 4; i += 1) lockout.fail('user:a', now);
    expect(lockout.isLocked('user:a', now)).toBe(false);
    lockout.fail('user:a', now);
    expect(lockout.isLocked('user:a', now + 999)).toBe(true);
    expect(lockout.isLocked('user:a', now + S)).toBe(false);
    now += S;
    lockout.fail('user:a', now); // n = 6: 2 s
    expect(lockout.isLocked('user:a', now + 2 * S - 1)).toBe(true);
    expect(lockout.isLocked('user:a', now + 2 * S)).toBe(false);
    // n = 15 would be 2^10 s = 17 minutes: capped at 15.
    const capped = new SignInLockout();
    for (let i = 0; i < 15; i += 1) capped.fail('user:z', 0);
    expect(capped.isLocked('user:z', 15 * 60 * S - 1)).toBe(true);
    expect(capped.isLocked('user:z', 15 * 60 * S)).toBe(false);
    const ten = new SignInLockout();
    for (let i = 0; i < 10; i += 1) ten.fail('user:t', 0);
    expect(ten.isLocked('user:t', 32 * S - 1)).toBe(true);
    expect(ten.isLocked('user:t', 32 * S)).toBe(false);
  });

  it('does not lengthen a lockout for attempts made during it, and resets on success or 15 quiet minutes', () => {
    const lockout = new SignInLockout();
    for (let i = 0; i < 5; i += 1) lockout.fail('user:b', 0);
    for (let i = 0; i < 10; i += 1) expect(lockout.isLocked('user:b', 500)).toBe(true);
    expect(lockout.isLocked('user:b', S)).toBe(false);
    lockout.succeed('user:b');
    lockout.fail('user:b', 2 * S);
    expect(lockout.isLocked('user:b', 2 * S)).toBe(false);
    for (let i = 0; i < 5; i += 1) lockout.fail('user:c', 0);
    lockout.fail('user:c', 15 * 60 * S + 1);
    expect(lockout.isLocked('user:c', 15 * 60 * S + 1)).toBe(false);
  });

  it('keeps a bounded number of unknown names, forgetting the oldest, never a real user', () => {
    const lockout = new SignInLockout(2);
    for (let i = 0; i < 5; i += 1) lockout.fail('user:real', 0);
    for (const name of ['x', 'y', 'z']) for (let i = 0; i < 5; i += 1) lockout.fail(`decoy:${name}`, 0);
    expect(lockout.isLocked('decoy:x', 10)).toBe(false);
    expect(lockout.isLocked('decoy:y', 10)).toBe(true);
    expect(lockout.isLocked('decoy:z', 10)).toBe(true);
    expect(lockout.isLocked('user:real', 10)).toBe(true);
  });
});

describe('confirmation code attempts', () => {
  it('allows 5 wrong codes an hour, then refuses until the oldest is an hour old', () => {
    const attempts = new ConfirmationAttempts();
    for (let i = 0; i < 5; i += 1) {
      expect(attempts.allowed('user:a', i * S)).toBe(true);
      attempts.fail('user:a', i * S);
    }
    expect(attempts.allowed('user:a', 5 * S)).toBe(false);
    expect(attempts.allowed('user:a', 3600 * S - 1)).toBe(false);
    expect(attempts.allowed('user:a', 3600 * S)).toBe(true);
    attempts.succeed('user:a');
    expect(attempts.allowed('user:a', 0)).toBe(true);
  });
});
