/**
 * Caps the benches raise for the bench only, because they would be measured instead of the path: the HTTP API stage
 * throttle (deployed 100 burst / 50 per second, infra) and the local account's Lambda environments (64 by default,
 * LOCAL_LAMBDA_MAX_ENVIRONMENTS). A module of its own: the stack processes that use it start a stack when imported.
 */
export const BENCH_STACK_SETTINGS = {
  apiThrottle: { burstLimit: 5000, rateLimit: 10_000 },
  maxLambdaEnvironments: 256,
} as const;
