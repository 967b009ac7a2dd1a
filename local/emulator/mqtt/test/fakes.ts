/** Shared fakes for the broker steps' unit tests: a small account, a connection without a socket, a log. */
import { policy } from '../../../../core/policy/document.js';
import { LocalAccount, type LocalUserConfig } from '../../account/account.js';
import type { Principal } from '../../account/principal.js';
import { type EmulatorLogger, memoryLogger } from '../../log.js';
import { arnsIn, type Connection, openConnection } from '../connection.js';
import { IOT_CORE_LIMITS, type IotLimits } from '../limits.js';

export const DEPLOYMENT = { region: 'us-east-1', accountId: '000000000000' };
export const arn = arnsIn(DEPLOYMENT);

/**
 * tester: connects as `tester-*`, subscribes to `test/*` and to `${iot:ClientId}/*`, receives `test/allowed/*`,
 * publishes `test/*` but may retain only under `test/retained/*`, and is refused everything from 10.9.9.9.
 */
export const tester: LocalUserConfig = {
  userName: 'tester',
  accessKeyId: 'AKIATESTER0000000000',
  secretAccessKey: 'tester-secret',
  policies: [
    {
      name: 'tester',
      document: policy(
        { Effect: 'Allow', Action: 'iot:Connect', Resource: arn('client', 'tester-*') },
        {
          Effect: 'Allow',
          Action: 'iot:Subscribe',
          Resource: [arn('topicfilter', 'test/*'), arn('topicfilter', '${iot:ClientId}/*'), arn('topicfilter', 'literal/+')],
        },
        { Effect: 'Allow', Action: 'iot:Receive', Resource: arn('topic', 'test/allowed/*') },
        { Effect: 'Allow', Action: 'iot:Publish', Resource: arn('topic', 'test/*') },
        { Effect: 'Allow', Action: 'iot:RetainPublish', Resource: arn('topic', 'test/retained/*') },
        { Effect: 'Deny', Action: 'iot:*', Resource: '*', Condition: { StringEquals: { 'aws:SourceIp': '10.9.9.9' } } },
      ),
    },
  ],
};

/** anyone: every IoT action on everything (to test the client id rules apart from policy). */
export const anyone: LocalUserConfig = {
  userName: 'anyone',
  accessKeyId: 'AKIAANYONE0000000000',
  secretAccessKey: 'anyone-secret',
  policies: [{ name: 'all-iot', document: policy({ Effect: 'Allow', Action: 'iot:*', Resource: '*' }) }],
};

export function testAccount(): LocalAccount {
  return new LocalAccount({ ...DEPLOYMENT, users: [tester, anyone], roles: [], iotPolicies: [], identityPools: [] });
}

export function principalOf(account: LocalAccount, user: LocalUserConfig): Principal {
  return account.credentials.resolve(user.accessKeyId, undefined, new Date()).principal;
}

/**
 * A connection as the upgrade step leaves it, optionally already past CONNECT as `clientId`. Its refusal lines go to
 * `logger` (a test's log), as the broker sends them to the emulator's.
 */
export function testConnection(
  account: LocalAccount,
  user: LocalUserConfig,
  options: { clientId?: string; sourceIp?: string; limits?: IotLimits; logger?: EmulatorLogger } = {},
): Connection {
  const connection = openConnection(
    principalOf(account, user),
    options.sourceIp ?? '127.0.0.1',
    options.limits ?? IOT_CORE_LIMITS,
    options.logger ?? memoryLogger(),
  );
  connection.requestedClientId = options.clientId;
  connection.clientId = options.clientId;
  return connection;
}

export function testLog() {
  const logger = memoryLogger();
  return { logger, entries: logger.entries, denials: () => logger.entries.filter((e) => e.message === 'denied') };
}
