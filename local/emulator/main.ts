/**
 * `npm run emulator`: the local AWS emulator on its own, with nothing created in it but the admin user (as a fresh
 * AWS account): create resources with the SDK or the AWS CLI and the admin keys it prints. `npm start` runs the
 * emulator with the project's stack applied.
 */
import { LOCAL_ADMIN_CREDENTIALS, LOCAL_ADMIN_USER, LOCAL_DEPLOYMENT } from '../local-deployment.js';
import { stopOnSignals } from '../shutdown.js';
import { emulatorConfigFromEnv } from './config.js';
import { startEmulator } from './emulator.js';
import { consoleLogger } from './log.js';

const config = emulatorConfigFromEnv();
const logger = consoleLogger({ format: config.logFormat });
const emulator = await startEmulator({
  account: { region: LOCAL_DEPLOYMENT.region, accountId: LOCAL_DEPLOYMENT.accountId, users: [LOCAL_ADMIN_USER] },
  logger,
  host: config.host,
  port: config.port,
  advertisedHost: config.advertisedHost,
  allowedOrigins: config.allowedOrigins,
  limits: config.limits,
  bounds: config.bounds,
  ...(config.credentialLifetimeCapSeconds ? { credentialLifetimeCapSeconds: config.credentialLifetimeCapSeconds } : {}),
});

process.stdout.write(
  [
    `Local AWS emulator on ${emulator.url} (account ${emulator.account.accountId}, ${emulator.account.region}; nothing created yet)`,
    `  MQTT over WebSocket   ${emulator.mqttUrl}   (SigV4 presigned, service iotdevicegateway)`,
    `  IoT data plane        POST ${emulator.url}/topics/{topic}`,
    `  IoT control plane, STS, Cognito, SQS   ${emulator.url}`,
    `  Browser origins       ${config.allowedOrigins.join(', ')}   (LOCAL_CORS_ORIGINS; requests without Origin are not from browsers and always pass)`,
    `  Admin credentials     AWS_ACCESS_KEY_ID=${LOCAL_ADMIN_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_ADMIN_CREDENTIALS.secretAccessKey}`,
    `  SDK clients           AWS_ENDPOINT_URL=${emulator.url} AWS_REGION=${emulator.account.region}`,
    'Ctrl-C stops it.',
    '',
  ].join('\n'),
);

stopOnSignals('the emulator', () => emulator.close());
