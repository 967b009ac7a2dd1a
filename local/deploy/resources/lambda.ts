/** Lambda: functions from their deployment packages, resource-based permissions, SQS event source mappings and the
 * asynchronous invocation settings, created in the emulator's Lambda service. */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as v from 'valibot';
import type { NamedPolicy } from '../../../core/policy/evaluator.js';
import { SqsEventSourceMapping } from '../../emulator/services/lambda/sqs-event-source.js';
import { type ApplyContext, block, optNum, optStr, recorded, resourceType, str, tags } from '../resource-type.js';

export const lambdaFunction = resourceType({
  type: 'aws_lambda_function',
  mode: 'managed',
  schema: v.strictObject({
    function_name: str(),
    role: str(),
    runtime: str(),
    handler: str(),
    filename: str(),
    source_code_hash: recorded('Terraform compares it to decide on an update; the applier always loads the package'),
    architectures: recorded('the functions are JavaScript without native code: the machine architecture does not change them'),
    timeout: optNum(),
    memory_size: optNum(),
    // The provider's default -1 removes any reservation (unreserved); 0 and up is PutFunctionConcurrency.
    reserved_concurrent_executions: optNum(),
    environment: v.optional(block({ variables: v.optional(v.record(v.string(), v.string())) })),
    logging_config: v.optional(
      block({
        log_format: v.optional(v.picklist(['Text', 'JSON'])),
        log_group: optStr(),
        application_log_level: optStr(),
        system_log_level: recorded("the Lambda platform's own log lines (START/END/REPORT) are not emulated"),
      }),
    ),
    tags: tags(),
  }),
  apply(args, { emulator, stackDir }) {
    const zip = readFileSync(isAbsolute(args.filename) ? args.filename : join(stackDir, args.filename));
    const fn = emulator.lambda.createFunction({
      functionName: args.function_name,
      roleArn: args.role,
      handler: args.handler,
      runtime: args.runtime,
      // Lambda's defaults: 3 seconds, 128 MB.
      timeoutSeconds: args.timeout ?? 3,
      memoryMb: args.memory_size ?? 128,
      environment: args.environment?.variables ?? {},
      zip,
      ...(args.reserved_concurrent_executions !== undefined && args.reserved_concurrent_executions !== -1
        ? { reservedConcurrency: args.reserved_concurrent_executions }
        : {}),
      ...(args.logging_config?.log_group ? { logGroup: args.logging_config.log_group } : {}),
      ...(args.logging_config?.log_format ? { logFormat: args.logging_config.log_format } : {}),
      ...(args.logging_config?.application_log_level ? { applicationLogLevel: args.logging_config.application_log_level } : {}),
    });
    const { region } = emulator.account;
    return {
      id: fn.functionName,
      function_name: fn.functionName,
      arn: fn.functionArn,
      qualified_arn: `${fn.functionArn}:$LATEST`,
      invoke_arn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${fn.functionArn}/invocations`,
      version: '$LATEST',
      source_code_size: fn.code.size,
    };
  },
});

export const lambdaPermission = resourceType({
  type: 'aws_lambda_permission',
  mode: 'managed',
  schema: v.strictObject({ statement_id: str(), action: str(), function_name: str(), principal: str(), source_arn: optStr(), source_account: optStr() }),
  apply(args, { emulator }) {
    emulator.lambda.addPermission(args.function_name, {
      statementId: args.statement_id,
      action: args.action,
      principal: args.principal,
      ...(args.source_arn ? { sourceArn: args.source_arn } : {}),
      ...(args.source_account ? { sourceAccount: args.source_account } : {}),
    });
    return { id: args.statement_id, statement_id: args.statement_id };
  },
});

/**
 * Lambda checks the execution role when the mapping or the destination is created; Terraform guarantees only the role
 * policies this resource depends on exist by then, so the check sees those (and the ones not created by this stack).
 */
function visiblePolicies(context: ApplyContext): (policy: NamedPolicy) => boolean {
  const created = context.appliedOf('aws_iam_role_policy');
  return (policy) => {
    const creators = created.filter((p) => p.args.name === policy.name);
    return creators.length === 0 || creators.some((p) => context.dependsOn(p.address));
  };
}

export const eventSourceMapping = resourceType({
  type: 'aws_lambda_event_source_mapping',
  mode: 'managed',
  schema: v.strictObject({
    event_source_arn: str(),
    function_name: str(),
    batch_size: optNum(),
    function_response_types: v.optional(v.array(v.literal('ReportBatchItemFailures'))),
    maximum_batching_window_in_seconds: optNum(),
    scaling_config: v.optional(block({ maximum_concurrency: optNum() })),
    enabled: v.optional(v.literal(true)),
  }),
  apply(args, context) {
    const { emulator } = context;
    const queue = emulator.sqs.queueByArn(args.event_source_arn);
    if (!queue) throw new Error(`InvalidParameterValueException: the event source ${args.event_source_arn} is not an SQS queue of this stack`);
    const fn = emulator.lambda.getFunction(args.function_name);
    const mapping = new SqsEventSourceMapping(
      emulator.lambda,
      {
        queue,
        functionName: fn?.functionName ?? args.function_name,
        ...(args.batch_size !== undefined ? { batchSize: args.batch_size } : {}),
        ...(args.maximum_batching_window_in_seconds !== undefined ? { maximumBatchingWindowSeconds: args.maximum_batching_window_in_seconds } : {}),
        ...(args.scaling_config?.maximum_concurrency !== undefined ? { maximumConcurrency: args.scaling_config.maximum_concurrency } : {}),
        reportBatchItemFailures: (args.function_response_types ?? []).includes('ReportBatchItemFailures'),
        rolePolicyVisible: visiblePolicies(context),
        ...(context.options.sqsFailureVisibilityMs !== undefined ? { failureVisibilityMs: context.options.sqsFailureVisibilityMs } : {}),
      },
      emulator.logger,
    );
    emulator.lambda.addEventSourceMapping(mapping);
    return { id: mapping.uuid, uuid: mapping.uuid, function_arn: fn?.functionArn ?? args.function_name, state: 'Enabled' };
  },
});

export const eventInvokeConfig = resourceType({
  type: 'aws_lambda_function_event_invoke_config',
  mode: 'managed',
  schema: v.strictObject({
    function_name: str(),
    maximum_retry_attempts: optNum(),
    maximum_event_age_in_seconds: optNum(),
    destination_config: v.optional(block({ on_failure: v.optional(block({ destination: str() })) })),
  }),
  apply(args, context) {
    const { emulator } = context;
    const destination = args.destination_config?.on_failure?.destination;
    if (destination !== undefined) {
      // "Configuring destinations for asynchronous invocation": an SQS destination needs sqs:SendMessage in the
      // function's execution role, which Lambda checks when the configuration is saved.
      const fn = emulator.lambda.getFunction(args.function_name);
      const queue = emulator.sqs.queueByArn(destination);
      if (!fn) throw new Error(`ResourceNotFoundException: Function not found: ${args.function_name}`);
      if (!queue) throw new Error(`InvalidParameterValueException: the on-failure destination ${destination} is not an SQS queue of this stack`);
      const visible = visiblePolicies(context);
      const role = { ...fn.role, policies: fn.role.policies.filter(visible) };
      const session = { kind: 'role-session' as const, arn: '', assumedRoleId: '', role, sessionName: 'destination-check' };
      if (!emulator.account.authorize(session, 'sqs:SendMessage', queue.arn).allowed)
        throw new Error(`InvalidParameterValueException: The function's execution role does not have permissions to call SendMessage on ${destination}`);
    }
    emulator.lambda.putEventInvokeConfig(args.function_name, {
      ...(args.maximum_retry_attempts !== undefined ? { maximumRetryAttempts: args.maximum_retry_attempts } : {}),
      ...(args.maximum_event_age_in_seconds !== undefined ? { maximumEventAgeSeconds: args.maximum_event_age_in_seconds } : {}),
      ...(destination ? { onFailureDestination: destination } : {}),
    });
    return { id: args.function_name };
  },
});
