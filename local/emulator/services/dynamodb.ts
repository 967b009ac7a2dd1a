/**
 * DynamoDB (JSON 1.0 protocol, signing name `dynamodb`, `X-Amz-Target: DynamoDB_20120810.<Operation>`): every
 * request is authenticated (SigV4) and authorized with the account's IAM evaluation as DynamoDB would, then forwarded
 * unchanged to the local DynamoDB (local/store/dynalite.ts), which checks no signature and no permission itself.
 *
 * IAM rules followed ("Actions, resources, and condition keys for Amazon DynamoDB", Service Authorization Reference:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html):
 * - The action is `dynamodb:<Operation>`; the resource is `arn:aws:dynamodb:<region>:<account>:table/<TableName>`,
 *   or `.../table/<TableName>/index/<IndexName>` for a Query or Scan of an index (DynamoDB developer guide, "IAM policy
 *   to read, write, update, and delete access on a DynamoDB table": Query on indexes is granted on `table/X/index/*`).
 * - BatchGetItem and BatchWriteItem need their own action on every table of RequestItems.
 * - TransactWriteItems and TransactGetItems have no action of their own: each action is authorized as PutItem,
 *   UpdateItem, DeleteItem, ConditionCheckItem or GetItem on its table, with the condition key
 *   `dynamodb:EnclosingOperation` set to the transaction (DynamoDB developer guide, "Using IAM with DynamoDB
 *   transactions": https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html).
 * - ListTables is not resource-scoped (`*`).
 * Errors: DynamoDB answers authentication and authorization failures with HTTP 400 ("Error handling with DynamoDB":
 * AccessDeniedException, IncompleteSignatureException, MissingAuthenticationTokenException,
 * UnrecognizedClientException are all under "HTTP status code 400"), body `{"__type": ..., "message": ...}`; the text
 * of a refusal is IAM's: "User: <arn> is not authorized to perform: <action> on resource: <arn> because no
 * identity-based policy allows the <action> action".
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ContextValue, Decision } from '../../../core/policy/evaluator.js';
import { DynaliteConnection, DynamoProtocolError, type WireResponse } from '../../store/wire.js';
import type { LocalAccount } from '../account/account.js';
import { describePrincipal, type Principal } from '../account/principal.js';
import { authenticateRequest } from '../http/authenticate.js';
import { ServiceError } from '../http/service-error.js';
import { denied, type EmulatorLogger } from '../log.js';

export interface DynamoDbDependencies {
  account: LocalAccount;
  logger: EmulatorLogger;
  now: () => Date;
  /** The local DynamoDB (startLocalDynamoDb's `url`). */
  upstreamUrl: string;
}

/** What one request needs: an action on a resource, with the condition keys of the request. */
export interface RequiredPermission {
  action: string;
  resource: string;
  context?: Record<string, ContextValue>;
}

const TARGET = /^DynamoDB_20120810\.([A-Za-z]+)$/;
/** DynamoDB API reference, CreateTable: TableName and IndexName are 3-255 of `[a-zA-Z0-9_.-]`. */
const NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

/** Operations whose only resource is the table in `TableName`. */
const TABLE_OPERATIONS = new Set([
  'CreateTable',
  'DeleteTable',
  'DescribeTable',
  'UpdateTable',
  'DescribeTimeToLive',
  'UpdateTimeToLive',
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
]);
/** Operations that name the table or one of its indexes. */
const INDEX_OPERATIONS = new Set(['Query', 'Scan']);
const TRANSACT_WRITE_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

/** DynamoDB's names for the authentication failures that authenticate.ts reports in REST-JSON terms. */
const AUTH_TYPES: Record<string, string> = {
  SignatureDoesNotMatch: 'InvalidSignatureException',
  RequestExpired: 'InvalidSignatureException',
};

/** The CreateTable input the applier sends (the DynamoDB API's shape). */
export interface CreateTableInput {
  TableName: string;
  BillingMode: 'PAY_PER_REQUEST' | 'PROVISIONED';
  AttributeDefinitions: Array<{ AttributeName: string; AttributeType: 'S' | 'N' | 'B' }>;
  KeySchema: Array<{ AttributeName: string; KeyType: 'HASH' | 'RANGE' }>;
  GlobalSecondaryIndexes?: Array<{
    IndexName: string;
    KeySchema: Array<{ AttributeName: string; KeyType: 'HASH' | 'RANGE' }>;
    Projection: { ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; NonKeyAttributes?: string[] };
  }>;
}

export class DynamoDbService {
  readonly #upstream: DynaliteConnection;
  /** What setTimeToLive enabled, by table (the local store keeps and applies the setting). */
  readonly #ttl = new Map<string, string>();
  /** setTimeToLive calls still on their way to the store: requests wait for them, so they see the setting. */
  #ttlWrites: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: DynamoDbDependencies) {
    this.#upstream = new DynaliteConnection(deps.upstreamUrl);
  }

  async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const { account, logger } = this.deps;
    try {
      let principal: Principal;
      try {
        principal = authenticateRequest(req, body, 'dynamodb', account, this.deps.now());
      } catch (error) {
        if (error instanceof ServiceError) throw new ServiceError(400, `com.amazon.coral.service#${AUTH_TYPES[error.code] ?? error.code}`, error.message);
        throw error;
      }
      const target = TARGET.exec(String(req.headers['x-amz-target'] ?? ''));
      if (req.method !== 'POST' || !target)
        throw new ServiceError(400, 'com.amazon.coral.service#UnknownOperationException', 'expected POST with X-Amz-Target: DynamoDB_20120810.<Operation>');
      const operation = target[1]!;
      let input: unknown;
      try {
        input = JSON.parse(body.toString('utf8'));
      } catch {
        throw new ServiceError(400, 'com.amazon.coral.service#SerializationException', 'the request body is not valid JSON');
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input))
        throw new ServiceError(400, 'com.amazon.coral.service#SerializationException', 'the request body must be a JSON object');
      const tableArn = (name: string) => `arn:aws:dynamodb:${account.region}:${account.accountId}:table/${name}`;
      for (const permission of requiredPermissions(operation, input as Record<string, unknown>, tableArn)) {
        const decision = account.authorize(principal, permission.action, permission.resource, permission.context);
        if (!decision.allowed) {
          denied(logger, {
            service: 'dynamodb',
            who: describePrincipal(principal),
            action: permission.action,
            resource: permission.resource,
            reason: decision.reason,
          });
          throw new ServiceError(400, 'com.amazon.coral.service#AccessDeniedException', accessDeniedMessage(principal, permission, decision));
        }
      }
      await this.#forward(req, res, body);
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      sendDynamoError(res, error.status, error.code, error.message);
    }
  }

  close(): void {
    this.#upstream.close();
  }

  /**
   * CreateTable as the applier asks for it (aws_dynamodb_table): created in the local store unless a table of that
   * name is there already (a restart on the same data folder), waited for until ACTIVE. An existing table whose keys
   * differ is refused: its data predates the stack's definition.
   */
  async createTable(input: CreateTableInput): Promise<{ arn: string; streamArn?: undefined }> {
    const arn = `arn:aws:dynamodb:${this.deps.account.region}:${this.deps.account.accountId}:table/${input.TableName}`;
    let description = await this.#describe(input.TableName);
    if (!description) {
      try {
        await this.#upstream.call('CreateTable', input as unknown as Record<string, unknown>);
      } catch (error) {
        if (!(error instanceof DynamoProtocolError && error.type.endsWith('ResourceInUseException'))) throw error;
      }
      for (let i = 0; i < 200 && description?.TableStatus !== 'ACTIVE'; i++) {
        description = await this.#describe(input.TableName);
        if (description?.TableStatus !== 'ACTIVE') await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    const keys = (schema: unknown) =>
      JSON.stringify(((schema ?? []) as Array<{ AttributeName: string; KeyType: string }>).map((k) => `${k.KeyType}:${k.AttributeName}`));
    if (keys(description?.KeySchema) !== keys(input.KeySchema))
      throw new Error(
        `table ${input.TableName} exists in the local store with the key schema ${keys(description?.KeySchema)}; delete the local data folder to recreate it`,
      );
    return { arn };
  }

  /**
   * UpdateTimeToLive as the stack sets it (aws_dynamodb_table's ttl): enabled in the local store, which answers
   * DescribeTimeToLive and deletes expired items (local/store/time-to-live.ts), unless it is already (a restart on the
   * same data folder). Requests that arrive meanwhile wait for it. The promise may be ignored: its failure is logged
   * (and still rejects for a caller that awaits it).
   */
  setTimeToLive(tableName: string, attributeName: string | undefined): Promise<void> {
    if (attributeName === undefined) this.#ttl.delete(tableName);
    else this.#ttl.set(tableName, attributeName);
    const write = this.#ttlWrites.then(() => this.#applyTimeToLive(tableName, attributeName));
    this.#ttlWrites = write.catch((error: unknown) =>
      this.deps.logger.log({ level: 'error', message: 'could not set the TTL of a local table', tableName, error: String(error) }),
    );
    write.catch(() => undefined);
    return write;
  }

  async #applyTimeToLive(tableName: string, attributeName: string | undefined): Promise<void> {
    const current = (await this.#upstream.call('DescribeTimeToLive', { TableName: tableName })).TimeToLiveDescription as
      | { TimeToLiveStatus?: string; AttributeName?: string }
      | undefined;
    const enabled = current?.TimeToLiveStatus === 'ENABLED' ? current.AttributeName : undefined;
    if (enabled === attributeName) return;
    const specification = attributeName === undefined ? { Enabled: false, AttributeName: enabled } : { Enabled: true, AttributeName: attributeName };
    await this.#upstream.call('UpdateTimeToLive', { TableName: tableName, TimeToLiveSpecification: specification });
  }

  timeToLive(tableName: string): string | undefined {
    return this.#ttl.get(tableName);
  }

  async #describe(tableName: string): Promise<{ TableStatus?: string; KeySchema?: unknown } | undefined> {
    try {
      const out = await this.#upstream.call('DescribeTable', { TableName: tableName });
      return out.Table as { TableStatus?: string; KeySchema?: unknown };
    } catch (error) {
      if (error instanceof DynamoProtocolError && error.type.endsWith('ResourceNotFoundException')) return undefined;
      throw error;
    }
  }

  async #forward(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    await this.#ttlWrites;
    let upstream: WireResponse;
    try {
      upstream = await this.#upstream.send('POST', req.url ?? '/', req.headers, body);
    } catch (error) {
      this.deps.logger.log({
        level: 'error',
        message: 'local DynamoDB unreachable',
        upstream: this.deps.upstreamUrl,
        error: error instanceof Error ? error.message : String(error),
      });
      throw new ServiceError(500, 'com.amazonaws.dynamodb.v20120810#InternalServerError', 'the local DynamoDB is not reachable (see the emulator log)');
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(upstream.headers))
      if (value !== undefined && !['connection', 'keep-alive', 'transfer-encoding'].includes(name)) headers[name] = value;
    res.writeHead(upstream.status, headers);
    res.end(upstream.body);
  }
}

/**
 * The permissions a request needs, by the rules in the header comment. An operation the local DynamoDB does not
 * offer is refused here (after authentication, as DynamoDB does), never forwarded unchecked.
 */
export function requiredPermissions(operation: string, input: Record<string, unknown>, tableArn: (tableName: string) => string): RequiredPermission[] {
  const action = `dynamodb:${operation}`;
  if (operation === 'ListTables') return [{ action, resource: '*' }];
  if (TABLE_OPERATIONS.has(operation)) return [{ action, resource: tableArn(nameOf(input.TableName, 'tableName')) }];
  if (INDEX_OPERATIONS.has(operation)) {
    const table = tableArn(nameOf(input.TableName, 'tableName'));
    return [{ action, resource: input.IndexName === undefined ? table : `${table}/index/${nameOf(input.IndexName, 'indexName')}` }];
  }
  if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') {
    const items = input.RequestItems;
    if (typeof items !== 'object' || items === null || Array.isArray(items) || Object.keys(items).length === 0)
      throw validation("Value at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1");
    return Object.keys(items).map((table) => ({ action, resource: tableArn(nameOf(table, 'requestItems.key')) }));
  }
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
    const items = input.TransactItems;
    if (!Array.isArray(items) || items.length === 0)
      throw validation("Value at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1");
    const kinds = operation === 'TransactWriteItems' ? TRANSACT_WRITE_ACTIONS : { Get: 'dynamodb:GetItem' };
    return items.map((item: unknown, i) => {
      const entries = typeof item === 'object' && item !== null ? Object.entries(item).filter(([kind]) => kind in kinds) : [];
      const [kind, request] = entries.length === 1 ? entries[0]! : [];
      if (kind === undefined || typeof request !== 'object' || request === null)
        throw validation(`TransactItems[${i}] must contain exactly one of ${Object.keys(kinds).join(', ')}`);
      const tableName = nameOf((request as { TableName?: unknown }).TableName, `transactItems.${i + 1}.member.tableName`);
      return { action: kinds[kind]!, resource: tableArn(tableName), context: { 'dynamodb:EnclosingOperation': operation } };
    });
  }
  if (operation === 'TagResource' || operation === 'UntagResource' || operation === 'ListTagsOfResource') {
    const arn = input.ResourceArn;
    if (typeof arn !== 'string' || !arn.startsWith('arn:aws:dynamodb:'))
      throw validation("Value at 'resourceArn' failed to satisfy constraint: Member must be a DynamoDB ARN");
    return [{ action, resource: arn }];
  }
  // Not emulated (PartiQL, streams, backups, ...): 501 with DynamoDB's own unknown-operation code (http/not-emulated.ts).
  throw new ServiceError(
    501,
    'com.amazon.coral.service#UnknownOperationException',
    `${operation} is not an operation of the local DynamoDB (the local emulator does not implement it)`,
  );
}

/** A table or index name, validated before it is placed in an ARN (a name with `/` or `*` would change the resource). */
function nameOf(value: unknown, member: string): string {
  if (typeof value !== 'string') throw validation(`Value null at '${member}' failed to satisfy constraint: Member must not be null`);
  if (!NAME.test(value))
    throw validation(
      `Value '${value.slice(0, 300)}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length 3 to 255`,
    );
  return value;
}

const validation = (detail: string) => new ServiceError(400, 'com.amazon.coral.validate#ValidationException', `1 validation error detected: ${detail}`);

/** IAM's wording of a refusal: "... because no <policy type> policy allows ..." or "... with an explicit deny in a <policy type> policy". */
function accessDeniedMessage(principal: Principal, permission: RequiredPermission, decision: Exclude<Decision, { allowed: true }>): string {
  const base = `User: ${principal.arn} is not authorized to perform: ${permission.action} on resource: ${permission.resource}`;
  if (decision.effect === 'ExplicitDeny') {
    const session = decision.matched.some((m) => m.effect === 'Deny' && m.policyName.startsWith('session policy'));
    return `${base} with an explicit deny in ${session ? 'a session' : 'an identity-based'} policy`;
  }
  return `${base} because no ${decision.reason.startsWith('session policy') ? 'session' : 'identity-based'} policy allows the ${permission.action} action`;
}

function sendDynamoError(res: ServerResponse, status: number, type: string, message: string): void {
  // DynamoDB spells the member `Message` in AccessDeniedException (as observed in aws/aws-sdk-php#1292) and `message`
  // in its other errors ("Error handling with DynamoDB"); the SDKs read either.
  const text = JSON.stringify({ __type: type, [type.endsWith('#AccessDeniedException') ? 'Message' : 'message']: message });
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': randomUUID() });
  res.end(text);
}
