/** `npm start`: the whole system on one machine, no AWS account needed. Ctrl-C stops everything. */

import { type LocalStackConfig, localStackConfigFromEnv } from './config.js';
import { consoleLogger } from './emulator/log.js';
import { stopOnSignals } from './shutdown.js';
import { type LocalStack, startLocalStack } from './stack.js';
import { explainStartFailure, type PortVariables, startBanner } from './start-banner.js';

const config = configOrExit();
const logger = consoleLogger({ format: config.emulator.logFormat });
const started = performance.now();
const ports = { LOCAL_AWS_PORT: config.emulator.port, LOCAL_API_PORT: config.apiPort, LOCAL_WEB_PORT: config.webPort };
let stack: LocalStack;
try {
  stack = await startLocalStack({
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
} catch (error) {
  exitExplained(error, ports);
}

process.stdout.write(
  startBanner({
    readyMs: Math.round(performance.now() - started),
    webUrl: stack.web?.url,
    apiUrl: stack.api.url,
    emulatorUrl: stack.emulator.url,
    mqttUrl: stack.emulator.mqttUrl,
    dataDir: config.dataDir,
  }),
);

stopOnSignals('the local stack', () => stack.close());

function configOrExit(): LocalStackConfig {
  try {
    return localStackConfigFromEnv();
  } catch (error) {
    return exitExplained(error, { LOCAL_AWS_PORT: -1, LOCAL_API_PORT: -1, LOCAL_WEB_PORT: -1 });
  }
}

/** One line saying what to change, exit code 1; an error nobody can act on keeps its stack trace. */
function exitExplained(error: unknown, ports: PortVariables): never {
  const explained = explainStartFailure(error, ports);
  if (explained === undefined) throw error;
  process.stderr.write(`iot-realtime could not start: ${explained}\n`);
  process.exit(1);
}
