/** DynamoDB tables and SQS queues, created in the emulator (tables in the local store behind its DynamoDB front). */
import * as v from 'valibot';
import type { CreateTableInput } from '../../emulator/services/dynamodb.js';
import { block, blocks, optBool, optNum, optStr, recorded, resourceType, str, tags } from '../resource-type.js';

export const dynamodbTable = resourceType({
  type: 'aws_dynamodb_table',
  mode: 'managed',
  schema: v.strictObject({
    name: str(),
    billing_mode: v.literal('PAY_PER_REQUEST'),
    hash_key: str(),
    range_key: optStr(),
    attribute: blocks({ name: str(), type: v.picklist(['S', 'N', 'B']) }),
    global_secondary_index: v.optional(
      blocks({
        name: str(),
        hash_key: str(),
        range_key: optStr(),
        projection_type: v.picklist(['ALL', 'KEYS_ONLY', 'INCLUDE']),
        non_key_attributes: v.optional(v.array(str())),
      }),
    ),
    ttl: v.optional(block({ attribute_name: str(), enabled: optBool() })),
    point_in_time_recovery: recorded('backups: nothing local restores them'),
    deletion_protection_enabled: recorded('protects the table from deletion, which the applier never does'),
    server_side_encryption: recorded('encryption at rest of the local store is the disk'),
    tags: tags(),
  }),
  async apply(args, { emulator }) {
    const dynamodb = emulator.dynamodb;
    if (!dynamodb) throw new Error('the emulator was started without a local DynamoDB');
    const keySchema = (hash: string, range?: string) => [
      { AttributeName: hash, KeyType: 'HASH' as const },
      ...(range ? [{ AttributeName: range, KeyType: 'RANGE' as const }] : []),
    ];
    const input: CreateTableInput = {
      TableName: args.name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: args.attribute.map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
      KeySchema: keySchema(args.hash_key, args.range_key),
      ...(args.global_secondary_index?.length
        ? {
            GlobalSecondaryIndexes: args.global_secondary_index.map((i) => ({
              IndexName: i.name,
              KeySchema: keySchema(i.hash_key, i.range_key),
              Projection: { ProjectionType: i.projection_type, ...(i.non_key_attributes ? { NonKeyAttributes: i.non_key_attributes } : {}) },
            })),
          }
        : {}),
    };
    const { arn } = await dynamodb.createTable(input);
    if (args.ttl && args.ttl.enabled !== false) await dynamodb.setTimeToLive(args.name, args.ttl.attribute_name);
    return { id: args.name, name: args.name, arn, hash_key: args.hash_key };
  },
});

export const sqsQueue = resourceType({
  type: 'aws_sqs_queue',
  mode: 'managed',
  schema: v.strictObject({
    name: str(),
    visibility_timeout_seconds: optNum(),
    message_retention_seconds: optNum(),
    delay_seconds: optNum(),
    receive_wait_time_seconds: optNum(),
    max_message_size: optNum(),
    redrive_policy: optStr(),
    sqs_managed_sse_enabled: recorded('encryption at rest of the local queue is the process memory'),
    tags: tags(),
  }),
  apply(args, { emulator }) {
    let redrive: { deadLetterTargetArn: string; maxReceiveCount: number } | undefined;
    if (args.redrive_policy !== undefined) {
      const parsed = JSON.parse(args.redrive_policy) as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
      if (typeof parsed.deadLetterTargetArn !== 'string' || typeof parsed.maxReceiveCount !== 'number')
        throw new Error('redrive_policy must name deadLetterTargetArn and maxReceiveCount');
      redrive = { deadLetterTargetArn: parsed.deadLetterTargetArn, maxReceiveCount: parsed.maxReceiveCount };
    }
    const queue = emulator.sqs.createQueue({
      name: args.name,
      attributes: {
        ...(args.visibility_timeout_seconds !== undefined ? { visibilityTimeoutSeconds: args.visibility_timeout_seconds } : {}),
        ...(args.message_retention_seconds !== undefined ? { messageRetentionSeconds: args.message_retention_seconds } : {}),
        ...(args.delay_seconds !== undefined ? { delaySeconds: args.delay_seconds } : {}),
        ...(args.receive_wait_time_seconds !== undefined ? { receiveMessageWaitTimeSeconds: args.receive_wait_time_seconds } : {}),
        ...(args.max_message_size !== undefined ? { maximumMessageSize: args.max_message_size } : {}),
        ...(redrive ? { redrive } : {}),
      },
    });
    // Terraform: the queue's id is its URL.
    return { id: queue.url, url: queue.url, arn: queue.arn, name: queue.name };
  },
});
