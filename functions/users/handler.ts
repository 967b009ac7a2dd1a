/**
 * GET /users/{userId} and GET /users?username=|email=: the user directory. Every request counts against the caller's
 * rate limit, reads included (exact lookups must not become a way to test names in bulk), and writes the caller's own
 * profile on first use.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import * as v from 'valibot';
import { UserIdSchema } from '../../core/contracts/rooms.js';
import { UserLookupQuerySchema } from '../../core/contracts/users.js';
import { describeIssue } from '../../core/contracts/validate.js';
import type { CallerResolver } from '../shared/caller.js';
import { NotFoundError, ValidationError } from '../shared/errors.js';
import { jsonResponse } from '../shared/http-errors.js';
import { httpHandler } from '../shared/http-handler.js';
import type { AppMetrics } from '../shared/metrics.js';
import { type RateLimiter, unlimited } from '../shared/ports.js';
import { pathParameter } from '../shared/query.js';
import { getUser, lookupUsers } from './core.js';
import type { UserDirectory } from './directory.js';
import { noRegistration, type ProfileRegistrar } from './registration.js';

export interface UsersHandlerDependencies {
  logger: Logger;
  resolveCaller: CallerResolver;
  directory: UserDirectory;
  registrar?: ProfileRegistrar;
  rateLimiter?: RateLimiter;
  metrics?: AppMetrics;
}

export function createUsersHandler(deps: UsersHandlerDependencies) {
  const { logger, resolveCaller, rateLimiter = unlimited, registrar = noRegistration } = deps;
  return httpHandler(
    logger,
    async (event) => {
      const caller = await resolveCaller(event.headers);
      const registered = registrar.register(caller);
      try {
        await rateLimiter.consume(caller.userId);
        switch (event.routeKey) {
          case 'GET /users/{userId}':
            return jsonResponse(200, await getUser(caller, pathParameter(event, 'userId', UserIdSchema), deps), { 'cache-control': 'no-store' });
          case 'GET /users': {
            const query = v.safeParse(UserLookupQuerySchema, event.queryStringParameters ?? {});
            if (!query.success) throw new ValidationError(query.issues.map(describeIssue).join('; '));
            return jsonResponse(200, await lookupUsers(query.output, deps), { 'cache-control': 'no-store' });
          }
          default:
            throw new NotFoundError(`no route ${event.routeKey}`);
        }
      } finally {
        await registered;
      }
    },
    deps.metrics,
  );
}
