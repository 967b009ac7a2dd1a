/** `npm run emulator`: the local AWS emulator on its own. */
import { LOCAL_ADMIN_CREDENTIALS, LOCAL_IDENTITY_POOL_ID, LOCAL_USER_POOL_CLIENT_ID } from '../local-deployment.js';
import { stopOnSignals } from '../shutdown.js';
import { defaultAccountConfig } from './account/default-account.js';
import { emulatorConfigFromEnv } from './config.js';
import { startEmulator } from './emulator.js';
import { consoleLogger } from './log.js';

const config = emulatorConfigFromEnv();
const logger = consoleLogger({ format: config.logFormat });
const emulator = await startEmulator({
  account: defaultAccountConfig({ userPoolIssuerUrl: config.userPoolIssuerUrl, userPoolClientId: LOCAL_USER_POOL_CLIENT_ID }),
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
    `Local AWS emulator on ${emulator.url}`,
    `  MQTT over WebSocket   ${emulator.mqttUrl}   (SigV4 presigned, service iotdevicegateway)`,
    `  IoT data plane        POST ${emulator.url}/topics/{topic}`,
    `  IoT control plane, STS, Cognito Identity   ${emulator.url}`,
    `  Identity pool         ${LOCAL_IDENTITY_POOL_ID}`,
    `  Browser origins       ${config.allowedOrigins.join(', ')}   (LOCAL_CORS_ORIGINS; requests without Origin are not from browsers and always pass)`,
    `  Admin credentials     AWS_ACCESS_KEY_ID=${LOCAL_ADMIN_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_ADMIN_CREDENTIALS.secretAccessKey}`,
    `  SDK clients           AWS_ENDPOINT_URL=${emulator.url} AWS_REGION=${emulator.account.region}`,
    'Ctrl-C stops it.',
    '',
  ].join('\n'),
);

stopOnSignals('the emulator', () => emulator.close());
