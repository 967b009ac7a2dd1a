/**
 * A work queue with its dead-letter queue, and its consumer's event source mapping with partial batch failures (and the
 * queue's batching window and maximum concurrency, if its settings name them).
 */
import { LambdaEventSourceMapping } from '@cdktn/provider-aws/lib/lambda-event-source-mapping/index.js';
import { SqsQueue } from '@cdktn/provider-aws/lib/sqs-queue/index.js';
import { Construct } from 'constructs';
import type { QueueSettings } from '../../functions/catalog.js';
import type { RealtimeFunction } from './lambda-function.js';

export class WorkQueue extends Construct {
  readonly queue: SqsQueue;
  readonly deadLetterQueue: SqsQueue;
  /** The dead-letter queue's name, a literal known at synth time (alarms name it). */
  readonly deadLetterQueueName: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: { name: string; settings: QueueSettings },
  ) {
    super(scope, id);
    this.deadLetterQueueName = `${props.name}-dlq`;
    // The longest retention SQS allows: failed messages wait there for inspection and redrive.
    this.deadLetterQueue = new SqsQueue(this, 'dlq', { name: this.deadLetterQueueName, messageRetentionSeconds: 14 * 24 * 3600, sqsManagedSseEnabled: true });
    this.queue = new SqsQueue(this, 'queue', {
      name: props.name,
      visibilityTimeoutSeconds: props.settings.visibilityTimeoutSeconds,
      messageRetentionSeconds: 24 * 3600,
      sqsManagedSseEnabled: true,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: this.deadLetterQueue.arn, maxReceiveCount: props.settings.maxReceiveCount }),
    });
  }

  /**
   * The consumer's event source mapping. Lambda checks, when the mapping is created, that the function's role may
   * receive from the queue ("The provided execution role does not have permissions to call ReceiveMessage on SQS"):
   * the mapping depends on the role's policies, or Terraform may create it first.
   */
  consumeWith(worker: RealtimeFunction): LambdaEventSourceMapping {
    return new LambdaEventSourceMapping(this, 'worker-mapping', {
      eventSourceArn: this.queue.arn,
      functionName: worker.function.arn,
      batchSize: this.props.settings.batchSize,
      ...(this.props.settings.maximumBatchingWindowSeconds !== undefined
        ? { maximumBatchingWindowInSeconds: this.props.settings.maximumBatchingWindowSeconds }
        : {}),
      ...(this.props.settings.maximumConcurrency !== undefined ? { scalingConfig: { maximumConcurrency: this.props.settings.maximumConcurrency } } : {}),
      functionResponseTypes: ['ReportBatchItemFailures'],
      dependsOn: worker.rolePolicies,
    });
  }
}
