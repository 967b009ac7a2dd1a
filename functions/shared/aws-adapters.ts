/**
 * The ports implemented with the AWS SDK v3. Errors become domain errors that say whether a retry may help, decided by
 * the one classification of SDK errors (aws-error-classification.ts).
 */
import { type IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { FanoutTask } from '../../core/contracts/fanout.js';
import type { JobMessage } from '../../core/contracts/jobs.js';
import { isRetryableAwsError as isRetryable } from './aws-error-classification.js';
import { PublishFailedError, UpstreamError } from './errors.js';
import type { CredentialVendor, FanoutQueue, JobQueue, Publisher, VendedCredentials } from './ports.js';

export class IotDataPublisher implements Publisher {
  constructor(private readonly client: IoTDataPlaneClient) {}

  async publish(topic: string, payload: unknown, qos: 0 | 1): Promise<void> {
    try {
      await this.client.send(new PublishCommand({ topic, qos, payload: new TextEncoder().encode(JSON.stringify(payload)), contentType: 'application/json' }));
    } catch (error) {
      throw new PublishFailedError('could not deliver the message', isRetryable(error), { cause: error });
    }
  }
}

export class StsCredentialVendor implements CredentialVendor {
  constructor(
    private readonly client: STSClient,
    private readonly roleArn: string,
  ) {}

  async vend(request: { sessionName: string; policy: string; durationSeconds: number }): Promise<VendedCredentials> {
    try {
      const out = await this.client.send(
        new AssumeRoleCommand({
          RoleArn: this.roleArn,
          RoleSessionName: request.sessionName,
          Policy: request.policy,
          DurationSeconds: request.durationSeconds,
        }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) throw new Error('STS returned no credentials');
      return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
    } catch (error) {
      throw new UpstreamError('could not issue realtime credentials', isRetryable(error), { cause: error });
    }
  }
}

export class SqsJobQueue implements JobQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(job: JobMessage): Promise<void> {
    try {
      await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(job) }));
    } catch (error) {
      throw new UpstreamError('could not queue the job', isRetryable(error), { cause: error });
    }
  }
}

/** SQS: SendMessageBatch takes at most 10 entries. */
const SQS_BATCH_MAX = 10;

export class SqsFanoutQueue implements FanoutQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(tasks: readonly FanoutTask[]): Promise<void> {
    for (let i = 0; i < tasks.length; i += SQS_BATCH_MAX) {
      const entries = tasks.slice(i, i + SQS_BATCH_MAX).map((task, j) => ({ Id: String(i + j), MessageBody: JSON.stringify(task) }));
      let failed: number;
      try {
        const out = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
        failed = out.Failed?.length ?? 0;
      } catch (error) {
        throw new UpstreamError('could not hand the message to the fan-out queue', isRetryable(error), { cause: error });
      }
      // SQS: a batch can succeed in part; a failed entry must not be dropped silently.
      if (failed > 0) throw new UpstreamError(`the fan-out queue refused ${failed} of ${entries.length} entries`, true);
    }
  }
}
