/** `npm start`: the whole system on one machine, no AWS account needed. Ctrl-C stops everything. */

import { localStackConfigFromEnv } from './config.js';
import { consoleLogger } from './emulator/log.js';
import { stopOnSignals } from './shutdown.js';
import { startLocalStack } from './stack.js';

const config = localStackConfigFromEnv();
const logger = consoleLogger({ format: config.emulator.logFormat });
const started = performance.now();
const stack = await startLocalStack({
  host: config.emulator.host,
  emulatorPort: config.emulator.port,
  apiPort: config.apiPort,
  corsOrigins: config.corsOrigins,
  logger,
  advertisedHost: config.emulator.advertisedHost,
  limits: config.emulator.limits,
  bounds: config.emulator.bounds,
  credentialsDurationSeconds: config.credentialsDurationSeconds,
  ...(config.emulator.credentialLifetimeCapSeconds ? { credentialLifetimeCapSeconds: config.emulator.credentialLifetimeCapSeconds } : {}),
  jobRetryDelayMs: config.jobRetryDelayMs,
  dataDir: config.dataDir,
  ...(config.rateLimits === 'off' ? { rateLimit: { requests: 0, windowSeconds: 60 } } : {}),
  ...(config.functionLogLevel ? { functionLogLevel: config.functionLogLevel } : {}),
  apiThrottle: config.apiThrottle,
  maxLambdaEnvironments: config.maxLambdaEnvironments,
  ...(config.webMode === 'off' ? {} : { web: { port: config.webPort, mode: config.webMode } }),
});

process.stdout.write(
  [
    `iot-realtime local stack ready in ${Math.round(performance.now() - started)} ms`,
    ...(stack.web ? [`  Web demo                ${stack.web.url}   (sign in as alice, bob, carol or any user id, or as a Cognito user or guest)`] : []),
    `  HTTP API (Lambdas)      ${stack.api.url}   /credentials, /rooms, /rooms/{roomId}/members[/{userId}], /rooms/{roomId}/messages, /jobs, /iot/attach-policy, /health`,
    `  Local tokens            POST ${stack.api.url}/dev/token {"sub":"alice"}   POST ${stack.api.url}/dev/cognito-token {"username":"dana"}`,
    `  AWS emulator            ${stack.emulator.url}   (IoT Core, STS, Cognito Identity, DynamoDB; MQTT at ${stack.emulator.mqttUrl})`,
    `  Local data              ${config.dataDir}   (rooms, history, signing keys; delete the folder to reset)`,
    'Ctrl-C stops everything.',
    '',
  ].join('\n'),
);

stopOnSignals('the local stack', () => stack.close());
