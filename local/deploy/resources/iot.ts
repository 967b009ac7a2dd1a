/** IoT: the account's data endpoint, IoT policies and topic rules, created in the emulator. */
import * as v from 'valibot';
import type { PolicyDocument } from '../../../core/policy/document.js';
import { block, blocks, optBool, optStr, resourceType, str, tags } from '../resource-type.js';

export const iotEndpoint = resourceType({
  type: 'aws_iot_endpoint',
  mode: 'data',
  schema: v.strictObject({ endpoint_type: v.optional(v.picklist(['iot:Data', 'iot:Data-ATS', 'iot:CredentialProvider', 'iot:Jobs'])) }),
  // Locally every endpoint type is the emulator's advertised host (browsers sign it; functions reach it mapped).
  apply: (args, { emulator }) => ({ id: emulator.advertisedHost, endpoint_address: emulator.advertisedHost, endpoint_type: args.endpoint_type ?? 'iot:Data' }),
});

export const iotPolicy = resourceType({
  type: 'aws_iot_policy',
  mode: 'managed',
  schema: v.strictObject({ name: str(), policy: str(), tags: tags() }),
  apply(args, { emulator }) {
    // The submitted text too: GetPolicy answers the document as it came.
    emulator.account.createIotPolicy(args.name, JSON.parse(args.policy) as PolicyDocument, args.policy);
    return {
      id: args.name,
      name: args.name,
      arn: `arn:aws:iot:${emulator.account.region}:${emulator.account.accountId}:policy/${args.name}`,
      default_version_id: '1',
    };
  },
});

const sqsAction = () => ({ queue_url: str(), role_arn: str(), use_base64: optBool() });
const toSqsAction = (sqs: { queue_url: string; role_arn: string; use_base64?: boolean | undefined }) => ({
  queueUrl: sqs.queue_url,
  roleArn: sqs.role_arn,
  useBase64: sqs.use_base64 ?? false,
});

export const iotTopicRule = resourceType({
  type: 'aws_iot_topic_rule',
  mode: 'managed',
  schema: v.strictObject({
    name: str(),
    description: optStr(),
    enabled: optBool(),
    sql: str(),
    sql_version: str(),
    lambda: v.optional(blocks({ function_arn: str() })),
    sqs: v.optional(blocks(sqsAction())),
    error_action: v.optional(block({ sqs: block(sqsAction()) })),
    tags: tags(),
  }),
  apply(args, { emulator }) {
    const lambda = args.lambda ?? [];
    const sqs = args.sqs ?? [];
    // Any other action type is refused by the strict schema; several actions are not emulated.
    if (lambda.length + sqs.length !== 1) throw new Error('the local rules engine runs rules with exactly one action (a lambda or an sqs block)');
    const errorSqs = args.error_action?.sqs;
    const { arn } = emulator.rules.createRule({
      name: args.name,
      sql: args.sql,
      sqlVersion: args.sql_version,
      enabled: args.enabled ?? true,
      action: lambda[0] ? { lambda: { functionArn: lambda[0].function_arn } } : { sqs: toSqsAction(sqs[0]!) },
      ...(errorSqs ? { errorAction: { sqs: toSqsAction(errorSqs) } } : {}),
    });
    return { id: args.name, name: args.name, arn };
  },
});
