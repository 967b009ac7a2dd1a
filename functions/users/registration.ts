/**
 * Profiles are created on first use: the rooms and users functions write the caller's profile from their verified
 * token, once per warm function instance and per version of what the token says (a changed display name is written
 * again). A failed write is logged and tried again on the caller's next request; it never fails the request itself.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Caller } from '../shared/caller.js';
import { profileOf, type UserDirectory } from './directory.js';

/** Bounds what one warm instance remembers; the oldest entry goes first. */
const REMEMBERED_MAX = 10_000;

export interface ProfileRegistrar {
  /** Resolves when the caller's profile is written (or was already); never rejects. */
  register(caller: Caller): Promise<void>;
}

export function profileRegistrar(directory: UserDirectory, logger: Logger): ProfileRegistrar {
  const written = new Map<string, string>();
  return {
    async register(caller) {
      const profile = profileOf(caller);
      const version = JSON.stringify(profile);
      if (written.get(caller.userId) === version) return;
      try {
        const outcome = await directory.register(profile);
        if (profile.username !== undefined && !outcome.usernameClaimed) logger.warn('username held by another user', { userId: caller.userId });
        if (written.size >= REMEMBERED_MAX) written.delete(written.keys().next().value!);
        written.set(caller.userId, version);
      } catch (error) {
        logger.warn('profile not written; it is tried again on the next request', { userId: caller.userId, error });
      }
    },
  };
}

/** For tests and functions without a directory: nothing is written. */
export const noRegistration: ProfileRegistrar = { register: async () => undefined };
