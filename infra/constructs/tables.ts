/**
 * The DynamoDB tables of a stage, from the one set of definitions in core/store/tables.ts (the local stack creates the
 * same ones in dynalite): on demand, point-in-time recovery (unless the definition turns it off), TTL where defined,
 * GSIs projecting ALL.
 */
import { DynamodbTable } from '@cdktn/provider-aws/lib/dynamodb-table/index.js';
import { Construct } from 'constructs';
import type { Deployment } from '../../core/deployment.js';
import { type KeyAttribute, TABLES, type TableDefinition, tableName } from '../../core/store/tables.js';

export interface TablesProps {
  deployment: Pick<Deployment, 'app' | 'stage'>;
  /** Every table of the stage by default. */
  definitions?: readonly TableDefinition[];
  /** Refuse `terraform destroy` and deletion in the console (DynamoDB deletion protection); the caller picks by stage. */
  deletionProtection: boolean;
}

export class Tables extends Construct {
  readonly #tables = new Map<TableDefinition, DynamodbTable>();
  readonly #deployment: Pick<Deployment, 'app' | 'stage'>;

  constructor(scope: Construct, id: string, props: TablesProps) {
    super(scope, id);
    this.#deployment = props.deployment;
    for (const definition of props.definitions ?? TABLES) {
      const indexes = definition.globalSecondaryIndexes ?? [];
      const keys = [definition.partitionKey, definition.sortKey, ...indexes.flatMap((i) => [i.partitionKey, i.sortKey])];
      // DynamoDB: only key attributes (of the table and its indexes) are declared, each once.
      const attributes = new Map<string, KeyAttribute['type']>();
      for (const key of keys) if (key) attributes.set(key.name, key.type);
      const table = new DynamodbTable(this, definition.purpose, {
        name: tableName(props.deployment, definition),
        billingMode: 'PAY_PER_REQUEST',
        hashKey: definition.partitionKey.name,
        ...(definition.sortKey ? { rangeKey: definition.sortKey.name } : {}),
        attribute: [...attributes].map(([name, type]) => ({ name, type })),
        ...(indexes.length > 0
          ? {
              globalSecondaryIndex: indexes.map((i) => ({
                name: i.name,
                hashKey: i.partitionKey.name,
                ...(i.sortKey ? { rangeKey: i.sortKey.name } : {}),
                projectionType: 'ALL',
              })),
            }
          : {}),
        ...(definition.ttlAttribute ? { ttl: { attributeName: definition.ttlAttribute, enabled: true } } : {}),
        pointInTimeRecovery: { enabled: definition.pointInTimeRecovery ?? true },
        // No serverSideEncryption block: DynamoDB encrypts every table at rest with an AWS owned key by default;
        // `enabled: true` would switch to a KMS key (billed per request).
        deletionProtectionEnabled: props.deletionProtection,
      });
      this.#tables.set(definition, table);
    }
  }

  table(definition: TableDefinition): DynamodbTable {
    const table = this.#tables.get(definition);
    if (table === undefined) throw new Error(`table ${definition.purpose} is not part of this construct`);
    return table;
  }

  /** The table's name (a literal, known at synth time). */
  nameOf(definition: TableDefinition): string {
    this.table(definition);
    return tableName(this.#deployment, definition);
  }

  /** The table's ARN (a reference, so whatever uses it depends on the table). */
  arnOf(definition: TableDefinition): string {
    return this.table(definition).arn;
  }
}
