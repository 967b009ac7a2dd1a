/** Credentials as the real flows produce them, obtained through the real SDK clients against the emulator. */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { browserSessionPolicy } from '../../core/access/browser-policies.js';
import type { FunctionName } from '../../core/access/model.js';
import type { RunningEmulator } from '../../local/emulator/emulator.js';
import { LOCAL_DEPLOYMENT } from '../../local/local-deployment.js';
import { SEEDED_ACCESS_MODEL } from './seeded-account.js';
import type { AwsCredentials } from './sign.js';

export const localModel = SEEDED_ACCESS_MODEL;

/** Credentials of a Lambda's role, as the Lambda service would hand them to the function. */
export function functionCredentials(emulator: RunningEmulator, fn: FunctionName, ttlMs = 3_600_000): AwsCredentials {
  const role = localModel.functionRoles[fn];
  const issued = emulator.account.startServiceRoleSession(role, 'lambda.amazonaws.com', `${role.name}-test`, new Date(Date.now() + ttlMs));
  return { accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken! };
}

/** What the credentials Lambda does: AssumeRole on the browser-client role with the user's session policy. */
/** `tab` asks for the extra-tab client id `<app>.<stage>.<userId>.<tab>` (one exact client id per credential). */
export async function browserCredentials(emulator: RunningEmulator, userId: string, tab?: string): Promise<AwsCredentials & { clientId: string }> {
  const sts = new STSClient({ region: 'us-east-1', endpoint: emulator.url, credentials: functionCredentials(emulator, 'credentials') });
  const scope = browserSessionPolicy(LOCAL_DEPLOYMENT, { userId, ...(tab ? { tab } : {}) });
  const out = await sts.send(
    new AssumeRoleCommand({
      RoleArn: localModel.browserClientRole.arn,
      RoleSessionName: userId,
      DurationSeconds: 3600,
      Policy: JSON.stringify(scope.policy),
    }),
  );
  const c = out.Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken!, clientId: scope.clientId };
}
