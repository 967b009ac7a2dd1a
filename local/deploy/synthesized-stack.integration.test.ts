/**
 * The real synthesized stack (infra/synth.ts, the function bundles as infra builds them) applied to a fresh emulator,
 * for the local stage `npm start` runs and for a production configuration: every resource is created, and what the
 * emulator then holds is what the Terraform JSON says: IAM documents, each function's environment, timeout and memory,
 * tables (keys, indexes, TTL, read back with the DynamoDB SDK), queues (attributes and redrive, read back with the SQS
 * SDK), the user pool's settings, the HTTP API's routes. And two mistakes a deployment could make fail here as in AWS.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { jest } from '@jest/globals';
import { buildFunctions } from '../../infra/build-functions.js';
import { type InfraConfig, infraConfigFromEnv } from '../../infra/config.js';
import { synthesizeStack } from '../../infra/synth.js';
import { type RunningEmulator, startEmulator } from '../emulator/emulator.js';
import { memoryLogger } from '../emulator/log.js';
import { LOCAL_ADMIN_CREDENTIALS, LOCAL_ADMIN_USER } from '../local-deployment.js';
import { localInfraConfig } from '../stack.js';
import { type RunningLocalDynamoDb, startLocalDynamoDb } from '../store/dynalite.js';
import { type AppliedStack, applyStack } from './apply.js';
import { blocksOf, parseTerraformJson, type TerraformJson } from './terraform-json.js';

const ACCOUNT = '123456789012';
jest.setTimeout(120_000);

let functionsDir: string;
const temp: string[] = [];
beforeAll(async () => {
  functionsDir = mkdtempSync(join(tmpdir(), 'svctests-bundles-'));
  temp.push(functionsDir);
  await buildFunctions(functionsDir);
}, 180_000);
afterAll(() => {
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

interface Deployed {
  emulator: RunningEmulator;
  store: RunningLocalDynamoDb;
  applied: AppliedStack;
  json: TerraformJson;
  close(): Promise<void>;
}

function synthesize(config: InfraConfig): { json: TerraformJson; stackDir: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'svctests-synth-'));
  temp.push(outdir);
  const { stackDir } = synthesizeStack(config, outdir);
  return { json: parseTerraformJson(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')), stackDir };
}

/** A fresh emulator as local/stack.ts starts it (the admin user only, a local DynamoDB, the HTTP API) with `json` applied. */
async function deploy(region: string, json: TerraformJson, stackDir: string): Promise<Deployed> {
  const store = await startLocalDynamoDb();
  const codeDir = mkdtempSync(join(tmpdir(), 'svctests-code-'));
  temp.push(codeDir);
  const emulator = await startEmulator({
    account: { region, accountId: ACCOUNT, users: [LOCAL_ADMIN_USER] },
    logger: memoryLogger(),
    port: 0,
    dynamoDbUpstreamUrl: store.url,
    httpApi: { port: 0 },
    lambda: { codeDir },
  });
  const close = async () => {
    await emulator.close();
    await store.close();
  };
  try {
    const applied = await applyStack(json, { emulator, stackDir });
    return { emulator, store, applied, json, close };
  } catch (error) {
    await close();
    throw error;
  }
}

const resources = (json: TerraformJson, type: string) => Object.keys(json.resource?.[type] ?? {}).map((name) => `${type}.${name}`);

const CONFIGS: Array<[string, () => InfraConfig]> = [
  ['the local stage', () => ({ ...localInfraConfig({ corsOrigins: ['http://127.0.0.1:5173'] }), functionsDir })],
  [
    'a production stage',
    () =>
      infraConfigFromEnv(
        {
          STAGE: 'prod',
          AWS_REGION: 'eu-west-1',
          WEB_ORIGINS: 'https://app.example.com',
          APP_TOKEN_ISSUER: 'https://auth.example.com',
          APP_JWKS_URL: 'https://auth.example.com/.well-known/jwks.json',
          HOST_WEB_DEMO: 'true',
        },
        functionsDir,
      ),
  ],
];

describe.each(CONFIGS)('the synthesized stack of %s, applied to the emulator', (_name, configOf) => {
  let config: InfraConfig;
  let deployed: Deployed;
  let args: (address: string) => Record<string, unknown>;
  const admin = () => ({ region: config.region, endpoint: deployed.emulator.url, credentials: LOCAL_ADMIN_CREDENTIALS });

  beforeAll(async () => {
    config = configOf();
    const { json, stackDir } = synthesize(config);
    deployed = await deploy(config.region, json, stackDir);
    // The arguments as the applier resolved them from the JSON (references to the created resources' attributes).
    args = (address) => deployed.applied.resources.get(address)!.args;
  }, 180_000);
  afterAll(async () => deployed?.close());

  it('applies every resource and data source of the JSON', () => {
    const declared = blocksOf(deployed.json).map((b) => b.address);
    expect(declared.length).toBeGreaterThan(40);
    expect([...deployed.applied.resources.keys()].sort()).toEqual([...declared].sort());
    // Nothing unresolved is left in what was created.
    for (const resource of deployed.applied.resources.values()) expect(JSON.stringify(resource.args)).not.toMatch(/\$\{(aws_|data\.)/);
  });

  it('holds exactly the synthesized IAM roles and their policies', () => {
    const roles = resources(deployed.json, 'aws_iam_role');
    expect(roles.length).toBeGreaterThan(5);
    for (const address of roles) {
      const a = args(address);
      const role = deployed.emulator.account.roleByName(String(a.name));
      expect(role).toBeDefined();
      expect(role!.arn).toBe(`arn:aws:iam::${ACCOUNT}:role/${a.name}`);
      expect(role!.trust).toEqual(JSON.parse(String(a.assume_role_policy)));
      expect(role!.maxSessionDurationSeconds).toBe((a.max_session_duration as number | undefined) ?? 3600);
      const synthesized = resources(deployed.json, 'aws_iam_role_policy')
        .map(args)
        .filter((p) => p.role === a.name)
        .map((p) => ({ name: String(p.name), document: JSON.parse(String(p.policy)) as unknown }));
      expect([...role!.policies].sort((x, y) => x.name.localeCompare(y.name))).toEqual(synthesized.sort((x, y) => x.name.localeCompare(y.name)));
    }
    // IAM policy variables reach the account as written, the Terraform escape undone.
    const documents = JSON.stringify(roles.flatMap((address) => deployed.emulator.account.roleByName(String(args(address).name))!.policies));
    expect(documents).not.toContain('$${');
  });

  it('gives each function exactly its synthesized environment, timeout and memory', () => {
    const functions = resources(deployed.json, 'aws_lambda_function');
    expect(functions.length).toBeGreaterThan(5);
    for (const address of functions) {
      const a = args(address);
      const fn = deployed.emulator.lambda.getFunction(String(a.function_name));
      expect(fn).toBeDefined();
      const environment = a.environment as { variables?: Record<string, string> } | Array<{ variables?: Record<string, string> }> | undefined;
      const variables = (Array.isArray(environment) ? environment[0] : environment)?.variables ?? {};
      expect([address, fn!.environment]).toEqual([address, variables]);
      expect([address, fn!.timeoutSeconds, fn!.memoryMb]).toEqual([address, a.timeout ?? 3, a.memory_size ?? 128]);
      expect(fn!.role.arn).toBe(a.role);
    }
  });

  it('creates the tables with their key schemas, indexes and TTL (read back with the DynamoDB SDK)', async () => {
    const dynamodb = new DynamoDBClient(admin());
    const tables = resources(deployed.json, 'aws_dynamodb_table');
    expect(tables.length).toBeGreaterThan(1);
    for (const address of tables) {
      const a = args(address) as {
        name: string;
        hash_key: string;
        range_key?: string;
        global_secondary_index?: Array<{ name: string; hash_key: string; range_key?: string }>;
        ttl?: { attribute_name: string; enabled?: boolean } | Array<{ attribute_name: string; enabled?: boolean }>;
      };
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: a.name }));
      const keys = (hash: string, range?: string) => [{ AttributeName: hash, KeyType: 'HASH' }, ...(range ? [{ AttributeName: range, KeyType: 'RANGE' }] : [])];
      expect(Table!.KeySchema).toEqual(keys(a.hash_key, a.range_key));
      expect(
        (Table!.GlobalSecondaryIndexes ?? [])
          .map((i) => ({ name: i.IndexName, keys: i.KeySchema }))
          .sort((x, y) => String(x.name).localeCompare(String(y.name))),
      ).toEqual(
        (a.global_secondary_index ?? []).map((i) => ({ name: i.name, keys: keys(i.hash_key, i.range_key) })).sort((x, y) => x.name.localeCompare(y.name)),
      );
      const ttl = Array.isArray(a.ttl) ? a.ttl[0] : a.ttl;
      const { TimeToLiveDescription } = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: a.name }));
      if (ttl && ttl.enabled !== false) expect(TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: ttl.attribute_name });
      else expect(TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
    }
    dynamodb.destroy();
  });

  it('creates the queues with their attributes and redrive policies (read back with the SQS SDK)', async () => {
    const sqs = new SQSClient(admin());
    const queues = resources(deployed.json, 'aws_sqs_queue');
    expect(queues.length).toBeGreaterThanOrEqual(4);
    for (const address of queues) {
      const a = args(address);
      const url = String(deployed.applied.resources.get(address)!.attributes.url);
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
      expect(Attributes!.QueueArn).toBe(`arn:aws:sqs:${config.region}:${ACCOUNT}:${a.name}`);
      if (a.visibility_timeout_seconds !== undefined) expect(Attributes!.VisibilityTimeout).toBe(String(a.visibility_timeout_seconds));
      if (a.message_retention_seconds !== undefined) expect(Attributes!.MessageRetentionPeriod).toBe(String(a.message_retention_seconds));
      if (a.redrive_policy !== undefined) expect(JSON.parse(Attributes!.RedrivePolicy!)).toEqual(JSON.parse(String(a.redrive_policy)));
      else expect(Attributes!.RedrivePolicy).toBeUndefined();
    }
    sqs.destroy();
  });

  it('configures the user pool and its client with the synthesized settings', () => {
    const [poolAddress] = resources(deployed.json, 'aws_cognito_user_pool');
    const [clientAddress] = resources(deployed.json, 'aws_cognito_user_pool_client');
    const poolArgs = args(poolAddress!) as Record<string, unknown>;
    const clientArgs = args(clientAddress!) as Record<string, unknown>;
    const pool = deployed.emulator.userPools.pool(String(deployed.applied.resources.get(poolAddress!)!.attributes.id))!;
    expect(pool).toBeDefined();
    const config = pool.config;
    expect(config.name).toBe(poolArgs.name);
    expect(config.usernameAttributes).toEqual(poolArgs.username_attributes ?? []);
    expect(config.autoVerifiedAttributes).toEqual(poolArgs.auto_verified_attributes ?? []);
    const first = <T>(value: unknown): T | undefined => (Array.isArray(value) ? value[0] : value) as T | undefined;
    const password = first<Record<string, unknown>>(poolArgs.password_policy)!;
    expect(config.passwordPolicy).toMatchObject({
      minimumLength: password.minimum_length,
      requireLowercase: password.require_lowercase,
      requireUppercase: password.require_uppercase,
      requireNumbers: password.require_numbers,
      requireSymbols: password.require_symbols,
    });
    const caseSensitive = first<{ case_sensitive?: boolean }>(poolArgs.username_configuration)?.case_sensitive;
    if (caseSensitive !== undefined) expect(config.usernameCaseSensitive).toBe(caseSensitive);
    expect(config.deletionProtection).toBe(poolArgs.deletion_protection ?? 'INACTIVE');
    const adminOnly = first<{ allow_admin_create_user_only?: boolean }>(poolArgs.admin_create_user_config)?.allow_admin_create_user_only;
    expect(config.allowAdminCreateUserOnly).toBe(adminOnly ?? false);
    const [client] = config.clients;
    expect(client!.clientId).toBe(deployed.applied.resources.get(clientAddress!)!.attributes.id);
    expect([...client!.authFlows].sort()).toEqual([...((clientArgs.explicit_auth_flows as string[]) ?? [])].map((f) => f.replace(/^ALLOW_/, '')).sort());
  });

  it('answers every route key of the HTTP API through its function, and an unknown path with 404', async () => {
    const routes = resources(deployed.json, 'aws_apigatewayv2_route');
    expect(routes.length).toBeGreaterThan(3);
    const api = deployed.emulator.httpApi!.url;
    const invocations = () => deployed.emulator.lambda.functionNames().reduce((n, name) => n + deployed.emulator.lambda.stats(name).invocations, 0);
    for (const address of routes) {
      const [method, path] = String(args(address).route_key).split(' ') as [string, string];
      const concrete = path.replace(/\{[^}]+\+\}/g, 'a/b').replace(/\{[^}]+\}/g, 'x');
      const before = invocations();
      const response = await fetch(`${api}${concrete}`, {
        method: method === 'ANY' ? 'GET' : method,
        ...(method === 'POST' || method === 'PUT' ? { body: '{}' } : {}),
      });
      await response.arrayBuffer();
      expect([address, response.status === 404, response.status === 429]).toEqual([address, false, false]);
      // The function behind the route ran (so its permission let the API invoke it).
      expect([address, invocations() - before]).toEqual([address, 1]);
    }
    const missing = await fetch(`${api}/no/such/route`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: 'Not Found' });
  });
});

describe('mistakes the emulator catches as AWS would', () => {
  let config: InfraConfig;
  let synthesized: { json: TerraformJson; stackDir: string };
  beforeAll(() => {
    config = { ...localInfraConfig({ corsOrigins: ['http://127.0.0.1:5173'] }), functionsDir };
    synthesized = synthesize(config);
  });

  /** What applying `json` to a fresh emulator throws (undefined when it applies). */
  const applyError = async (json: TerraformJson): Promise<unknown> => {
    try {
      const deployed = await deploy(config.region, json, synthesized.stackDir);
      await deployed.close();
      return undefined;
    } catch (caught) {
      return caught;
    }
  };

  it("fails the apply when an event source mapping does not depend on its consumer's queue policy", async () => {
    const json = structuredClone(synthesized.json);
    const mappings = json.resource!.aws_lambda_event_source_mapping!;
    const [name, mapping] = Object.entries(mappings)[0]!;
    expect(mapping.depends_on).toBeDefined();
    delete mapping.depends_on;
    const error = await applyError(json);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      `aws_lambda_event_source_mapping.${name}: InvalidParameterValueException: The provided execution role does not have permissions to call ReceiveMessage on SQS`,
    );
  });

  it("fails the apply when the on-failure destination's configuration does not depend on the function's SendMessage policy", async () => {
    const json = structuredClone(synthesized.json);
    const configs = json.resource!.aws_lambda_function_event_invoke_config!;
    const [name, invokeConfig] = Object.entries(configs)[0]!;
    expect(invokeConfig.depends_on).toBeDefined();
    delete invokeConfig.depends_on;
    const error = await applyError(json);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^aws_lambda_function_event_invoke_config\\.${name}: InvalidParameterValueException: The function's execution role does not have permissions to call SendMessage on arn:aws:sqs:`,
      ),
    );
  });

  it('answers 500 on the routes of a function whose aws_lambda_permission is removed, and serves the others', async () => {
    const json = structuredClone(synthesized.json);
    const permissions = json.resource!.aws_lambda_permission!;
    const [permissionName, permission] = Object.entries(permissions).find(([, p]) => p.principal === 'apigateway.amazonaws.com')!;
    const functionReference = /^\$\{aws_lambda_function\.([^.]+)\.function_name\}$/.exec(String(permission.function_name))![1]!;
    delete permissions[permissionName];
    const integrations = Object.entries(json.resource!.aws_apigatewayv2_integration!);
    const integrationOf = (fn: string) => integrations.find(([, i]) => String(i.integration_uri).includes(`aws_lambda_function.${fn}.`))![0];
    const unpermitted = integrationOf(functionReference);
    const routes = Object.values(json.resource!.aws_apigatewayv2_route!).map((r) => ({
      key: String(r.route_key),
      integration: /aws_apigatewayv2_integration\.([^.]+)\.id/.exec(String(r.target))![1]!,
    }));
    const refused = routes.find((r) => r.integration === unpermitted)!;
    const served = routes.find((r) => r.integration !== unpermitted)!;
    const deployed = await deploy(config.region, json, synthesized.stackDir);
    try {
      const request = (key: string) => {
        const [method, path] = key.split(' ') as [string, string];
        return fetch(`${deployed.emulator.httpApi!.url}${path.replace(/\{[^}]+\}/g, 'x')}`, { method, ...(method === 'POST' ? { body: '{}' } : {}) });
      };
      const refusedResponse = await request(refused.key);
      expect(refusedResponse.status).toBe(500);
      expect(await refusedResponse.json()).toEqual({ message: 'Internal Server Error' });
      const servedResponse = await request(served.key);
      await servedResponse.arrayBuffer();
      expect([404, 500]).not.toContain(servedResponse.status);
      expect(
        deployed.emulator.lambda.stats(String(deployed.applied.resources.get(`aws_lambda_function.${functionReference}`)!.args.function_name)).invocations,
      ).toBe(0);
    } finally {
      await deployed.close();
    }
  });
});
