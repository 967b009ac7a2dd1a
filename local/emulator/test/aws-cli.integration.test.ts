/**
 * The emulator driven by the AWS CLI, a client nobody here wrote (botocore's own SigV4 and protocols): Debian's
 * `awscli` package (`apt-get install -y awscli`: AWS CLI v2 2.9.19 on Debian 12, whose IoT model signs the control
 * plane as `execute-api`, as every SDK model did until 2023), or `$AWS_CLI`, or the first `aws` on PATH.
 * Each command runs as a child process with the emulator's admin keys in its environment and a HOME of its own, so no
 * configuration of the machine leaks in. Skipped, saying so, when no CLI is installed.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminCredentials, startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';
import { LOCAL_DEPLOYMENT } from '../../local-deployment.js';
import { type RunningLocalDynamoDb, startLocalDynamoDb } from '../../store/dynalite.js';

/** Debian's CLI first (the one CI installs), then $AWS_CLI, then whatever `aws` is on PATH. */
function findAwsCli(): string | undefined {
  if (process.env.AWS_CLI && existsSync(process.env.AWS_CLI)) return process.env.AWS_CLI;
  if (existsSync('/usr/bin/aws')) return '/usr/bin/aws';
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'aws'))) return join(dir, 'aws');
  return undefined;
}

const CLI = findAwsCli();
/** Each command starts a Python process (seconds on a loaded machine): the tests get room for several. */
const CLI_TEST_TIMEOUT_MS = 180_000;
const describeWithCli = CLI ? describe : describe.skip;
if (!CLI) {
  console.warn('AWS CLI tests skipped: no `aws` found. Install it with `apt-get install -y awscli` (CI: .ci/run) or set AWS_CLI.');
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

let emulator: TestEmulator;
let store: RunningLocalDynamoDb;
let home: string;

/** One CLI command against the emulator, JSON output, no pager, only the variables set here. */
function aws(...args: string[]): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    AWS_ACCESS_KEY_ID: adminCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: adminCredentials.secretAccessKey,
    AWS_DEFAULT_REGION: LOCAL_DEPLOYMENT.region,
    AWS_PAGER: '',
    AWS_CONFIG_FILE: join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
  };
  return new Promise((resolve) => {
    execFile(CLI!, ['--endpoint-url', emulator.url, '--output', 'json', ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
const json = (result: CliResult): Record<string, unknown> => {
  if (result.code !== 0) throw new Error(`aws exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
};

/** Debian's package keeps botocore's models here; its IoT model names the signing service (2.9.19: execute-api). */
const DEBIAN_IOT_MODEL = '/usr/lib/python3/dist-packages/awscli/botocore/data/iot/2015-05-28/service-2.json';

/** The signing name the CLI's own IoT model declares, when it is Debian's CLI; undefined otherwise. */
function iotSigningName(): string | undefined {
  if (CLI !== '/usr/bin/aws' || !existsSync(DEBIAN_IOT_MODEL)) return undefined;
  return (JSON.parse(readFileSync(DEBIAN_IOT_MODEL, 'utf8')) as { metadata: { signingName?: string } }).metadata.signingName ?? 'iot';
}

function cliVersion(): string {
  try {
    return execFileSync(CLI!, ['--version'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: home } }).trim();
  } catch {
    return 'unknown';
  }
}

describeWithCli(`the AWS CLI (${CLI ?? 'not installed'}) against the emulator`, () => {
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'aws-cli-home-'));
    store = await startLocalDynamoDb();
    emulator = await startTestEmulator({ dynamoDbUpstreamUrl: store.url });
    await emulator.dynamodb!.createTable({
      TableName: 'cli-table',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    });
    await emulator.dynamodb!.setTimeToLive('cli-table', 'expiresAt');
  }, 60_000);
  afterAll(async () => {
    await emulator.close();
    await store.close();
    rmSync(home, { recursive: true, force: true });
  });

  it(
    'sts get-caller-identity: the admin user',
    async () => {
      expect(json(await aws('sts', 'get-caller-identity'))).toMatchObject({ Account: '000000000000', Arn: 'arn:aws:iam::000000000000:user/local-admin' });
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    'iot describe-endpoint: signed as the CLI signs the IoT control plane (execute-api for Debian 12 CLI)',
    async () => {
      const signing = iotSigningName();
      if (cliVersion().startsWith('aws-cli/2.9.19')) expect(signing).toBe('execute-api');
      expect(json(await aws('iot', 'describe-endpoint', '--endpoint-type', 'iot:Data-ATS'))).toEqual({ endpointAddress: 'localhost' });
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    'iot list-policies, get-policy (document and default version), attach-policy and list-attached-policies',
    async () => {
      const listed = json(await aws('iot', 'list-policies')) as { policies: Array<{ policyName: string }> };
      expect(listed.policies.map((p) => p.policyName)).toContain('iot-realtime-local-cognito-user');
      const policy = json(await aws('iot', 'get-policy', '--policy-name', 'iot-realtime-local-cognito-user'));
      expect(policy).toMatchObject({ policyName: 'iot-realtime-local-cognito-user', defaultVersionId: '1' });
      expect(JSON.parse(String(policy.policyDocument))).toMatchObject({ Version: '2012-10-17' });
      const missing = await aws('iot', 'get-policy', '--policy-name', 'no-such-policy');
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain('(ResourceNotFoundException) when calling the GetPolicy operation');

      const target = 'us-east-1:0f1e2d3c-4b5a-4697-8877-665544332211';
      expect((await aws('iot', 'attach-policy', '--policy-name', 'iot-realtime-local-cognito-user', '--target', target)).code).toBe(0);
      expect(json(await aws('iot', 'list-attached-policies', '--target', target))).toMatchObject({
        policies: [{ policyName: 'iot-realtime-local-cognito-user' }],
      });
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    'iot-data get-retained-message: ResourceNotFoundException only while none is retained; list-retained-messages',
    async () => {
      const absent = await aws('iot-data', 'get-retained-message', '--topic', 'cli/retained');
      expect(absent.code).not.toBe(0);
      expect(absent.stderr).toContain('(ResourceNotFoundException) when calling the GetRetainedMessage operation');
      const published = await aws(
        'iot-data',
        'publish',
        '--topic',
        'cli/retained',
        '--qos',
        '1',
        '--retain',
        // CLI v2 reads blob arguments as base64 unless told otherwise; v1 takes them raw and has no such option.
        ...(cliVersion().startsWith('aws-cli/1.') ? [] : ['--cli-binary-format', 'raw-in-base64-out']),
        '--payload',
        'hello',
      );
      expect(published.code).toBe(0);
      const retained = json(await aws('iot-data', 'get-retained-message', '--topic', 'cli/retained'));
      expect(retained).toMatchObject({ topic: 'cli/retained', qos: 1 });
      expect(Buffer.from(String(retained.payload), 'base64').toString('utf8')).toBe('hello');
      expect(json(await aws('iot-data', 'list-retained-messages'))).toMatchObject({ retainedTopics: [{ topic: 'cli/retained', payloadSize: 5, qos: 1 }] });
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    'dynamodb list-tables, describe-time-to-live (ENABLED for a table deployed with TTL), describe-table (UUID TableId)',
    async () => {
      expect(json(await aws('dynamodb', 'list-tables'))).toEqual({ TableNames: ['cli-table'] });
      expect(json(await aws('dynamodb', 'describe-time-to-live', '--table-name', 'cli-table'))).toEqual({
        TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' },
      });
      const table = json(await aws('dynamodb', 'describe-table', '--table-name', 'cli-table')) as { Table: { TableId: string } };
      expect(table.Table.TableId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    'what is not emulated fails with an error the CLI parses and names, in XML for Query services, JSON otherwise',
    async () => {
      const sns = await aws('sns', 'list-topics');
      const things = await aws('iot', 'list-things');
      const shadow = await aws('iot-data', 'get-thing-shadow', '--thing-name', 'thing', join(home, 'shadow.json'));
      for (const result of [sns, things, shadow]) {
        expect(result.code).not.toBe(0);
        expect(result.stderr).not.toMatch(/Unable to parse|Unknown error|ResourceNotFound/);
      }
      // The CLI of Debian 12 speaks Query to SQS (SQS moved to JSON in 2023): it is told, in XML it parses, that the local
      // SQS speaks JSON. A newer CLI speaks JSON and lists the (no) queues.
      const sqs = await aws('sqs', 'list-queues');
      if (sqs.code !== 0)
        expect(sqs.stderr).toContain('An error occurred (InvalidAction) when calling the ListQueues operation: the local SQS speaks the JSON protocol');
      else expect(sqs.stdout.trim() === '' || Array.isArray(JSON.parse(sqs.stdout).QueueUrls)).toBe(true);
      expect(shadow.stderr).toContain('An error occurred (UnknownOperationException) when calling the GetThingShadow operation');
      expect(sns.stderr).toContain('An error occurred (InvalidAction) when calling the ListTopics operation: the service "sns" is not emulated');
      expect(things.stderr).toContain('An error occurred (UnknownOperationException) when calling the ListThings operation');
    },
    CLI_TEST_TIMEOUT_MS,
  );
});
