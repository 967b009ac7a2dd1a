/**
 * The demo's Cognito users, confirmed, with passwords the sign-in page may show (local only: never deploy these).
 * Seeding is idempotent and never resets a user that exists.
 */
import type { CognitoUserPoolService } from './service.js';

export const DEMO_COGNITO_USERS: ReadonlyArray<{ username: string; password: string; attributes: Record<string, string> }> = [
  { username: 'erin', password: 'demo-password-1', attributes: { name: 'Erin', email: 'erin@example.com', email_verified: 'true' } },
  { username: 'frank', password: 'demo-password-2', attributes: { name: 'Frank', email: 'frank@example.com', email_verified: 'true' } },
];

/** Returns the usernames it created (empty when they were all there already). */
export function seedDemoCognitoUsers(service: CognitoUserPoolService, userPoolId: string): string[] {
  const pool = service.pool(userPoolId);
  if (pool === undefined) throw new Error(`cannot seed demo users: no user pool ${userPoolId}`);
  return DEMO_COGNITO_USERS.filter((u) => pool.ensureConfirmedUser(u.username, u.password, u.attributes)).map((u) => u.username);
}
