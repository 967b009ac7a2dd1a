/**
 * What the Cognito revocation check costs per request, locally: the same read (GET /rooms) by an app user (no Cognito
 * call) and by a signed-in Cognito user (one GetUser per request), sequentially, and GetUser alone from this process.
 * Not run in CI: `AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true tsx bench/hostile/revocation-latency.ts`.
 */
import { CognitoIdentityProviderClient, GetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { memoryLogger } from '../../local/emulator/log.js';
import { startLocalStack } from '../../local/stack.js';
import { apiClient, appToken, cognitoSession } from '../../test/support/local-api.js';
import { percentiles } from '../soak/ledger.js';

const N = Number(process.env.BENCH_N ?? 300);
const stack = await startLocalStack({
  emulatorPort: 0,
  apiPort: 0,
  corsOrigins: [],
  logger: memoryLogger(),
  functionLogLevel: 'SILENT',
  rateLimit: { requests: 0, windowSeconds: 60 },
  // Sequential requests faster than the stage's 50/s throttle: raised, the throttle is not what is measured.
  apiThrottle: { burstLimit: 5000, rateLimit: 10_000 },
});
try {
  const api = apiClient(() => stack);
  const app = await appToken(api, 'latency-app');
  const cognito = await cognitoSession(api, 'latency-dana');
  const idp = new CognitoIdentityProviderClient({
    region: 'us-east-1',
    endpoint: stack.emulator.url,
    credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
  });
  const time = async (what: string, call: () => Promise<unknown>) => {
    for (let i = 0; i < 20; i += 1) await call(); // warm: environments, JWKS, identity id
    const samples: number[] = [];
    for (let i = 0; i < N; i += 1) {
      const t = performance.now();
      await call();
      samples.push(performance.now() - t);
    }
    const [p50, p90, p99] = percentiles(samples, [50, 90, 99]);
    console.log(`${what.padEnd(48)} n=${N}  p50 ${p50!.toFixed(1)} ms  p90 ${p90!.toFixed(1)} ms  p99 ${p99!.toFixed(1)} ms`);
  };
  const ok = (status: number) => {
    if (status !== 200) throw new Error(`status ${status}`);
  };
  // Interleaved rounds, so that load on the machine hits both alike.
  for (let round = 1; round <= 2; round += 1) {
    console.log(`round ${round}`);
    await time('GET /rooms, app user (no Cognito call)', async () => ok((await api('GET', '/rooms', { token: app })).status));
    await time('GET /rooms, Cognito user (GetUser per request)', async () => ok((await api('GET', '/rooms', cognito.auth)).status));
    await time('GetUser alone (SDK, from this process)', () => idp.send(new GetUserCommand({ AccessToken: cognito.accessToken })));
  }
  idp.destroy();
} finally {
  await stack.close();
}
