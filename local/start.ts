/** `npm start`: the whole system on one machine, no AWS account needed. Ctrl-C stops everything. */
import { consoleLogger } from './emulator/log.js';
import { localStackConfigFromEnv } from './config.js';
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
  credentialsDurationSeconds: config.credentialsDurationSeconds,
  ...(config.emulator.credentialLifetimeCapSeconds ? { credentialLifetimeCapSeconds: config.emulator.credentialLifetimeCapSeconds } : {}),
  jobRetryDelayMs: config.jobRetryDelayMs,
  ...(config.webMode === 'off' ? {} : { web: { port: config.webPort, mode: config.webMode } }),
});

process.stdout.write(
  [
    `iot-realtime local stack ready in ${Math.round(performance.now() - started)} ms`,
    ...(stack.web ? [`  Web demo                ${stack.web.url}   (sign in as alice, bob or carol, or as a Cognito guest)`] : []),
    `  HTTP API (Lambdas)      ${stack.api.url}   POST /credentials, POST /rooms/{roomId}/messages, POST /jobs, POST /iot/attach-policy, GET /health`,
    `  Demo tokens             POST ${stack.api.url}/dev/token {"sub":"alice"}   (alice: general, ops; bob: general; carol: none)`,
    `  AWS emulator            ${stack.emulator.url}   (IoT Core, STS, Cognito Identity; MQTT at ${stack.emulator.mqttUrl})`,
    'Ctrl-C stops everything.',
    '',
  ].join('\n'),
);

stopOnSignals('the local stack', () => stack.close());
