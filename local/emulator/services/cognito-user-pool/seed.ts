/**
 * The demo's Cognito users, confirmed, with passwords the sign-in page may show (local only: never deploy these).
 * They fit the deployed pool (infra/constructs/identity.ts): the sign-in name is an email (username_attributes =
 * ["email"]; Cognito makes the username a generated sub) and each password has 12+ characters with upper case, lower
 * case and a digit (and a symbol, so that Cognito's default policy accepts them too). Seeding is idempotent and never
 * resets a user that exists.
 */
import type { CognitoUserPoolService } from './service.js';

export const DEMO_COGNITO_USERS: ReadonlyArray<{ username: string; password: string; attributes: Record<string, string> }> = [
  { username: 'erin@example.com', password: 'Erin-demo-pass-1', attributes: { name: 'Erin' } },
  { username: 'frank@example.com', password: 'Frank-demo-pass-2', attributes: { name: 'Frank' } },
];

/** Returns the sign-in names it created (empty when they were all there already). */
export function seedDemoCognitoUsers(service: CognitoUserPoolService, userPoolId: string): string[] {
  const pool = service.pool(userPoolId);
  if (pool === undefined) throw new Error(`cannot seed demo users: no user pool ${userPoolId}`);
  return DEMO_COGNITO_USERS.filter((u) => pool.ensureConfirmedUser(u.username, u.password, u.attributes)).map((u) => u.username);
}
