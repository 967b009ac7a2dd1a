/** Starts the emulator for a test on a free port, with the default local account plus optional extras. */

import type { AccountConfig, LocalUserConfig } from '../../local/emulator/account/account.js';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../local/emulator/emulator.js';
import { memoryLogger } from '../../local/emulator/log.js';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local/local-deployment.js';
import { SEEDED_USER_POOL_CLIENT_ID, seededAccountConfig } from './seeded-account.js';

export interface TestEmulator extends RunningEmulator {
  logs: ReturnType<typeof memoryLogger>['entries'];
  /** Log lines of denials, for asserting that a refusal was explained. */
  denials(): Array<Record<string, unknown>>;
}

export async function startTestEmulator(
  options: { userPoolIssuerUrl?: string; userPoolJwksUrl?: string; extraUsers?: LocalUserConfig[]; account?: (base: AccountConfig) => AccountConfig } & Partial<
    Omit<EmulatorOptions, 'account' | 'logger'>
  > = {},
): Promise<TestEmulator> {
  const logger = memoryLogger();
  let account = seededAccountConfig({
    userPoolIssuerUrl: options.userPoolIssuerUrl ?? 'http://127.0.0.1:9',
    ...(options.userPoolJwksUrl ? { userPoolJwksUrl: options.userPoolJwksUrl } : {}),
    userPoolClientId: SEEDED_USER_POOL_CLIENT_ID,
  });
  account = { ...account, users: [...account.users, ...(options.extraUsers ?? [])] };
  if (options.account) account = options.account(account);
  const { userPoolIssuerUrl: _t, userPoolJwksUrl: _j, extraUsers: _e, account: _a, ...rest } = options;
  const emulator = await startEmulator({ port: 0, ...rest, account, logger });
  return Object.assign(emulator, {
    logs: logger.entries,
    denials: () => logger.entries.filter((e) => e.message === 'denied'),
  });
}

export const adminCredentials = { ...LOCAL_ADMIN_CREDENTIALS };
