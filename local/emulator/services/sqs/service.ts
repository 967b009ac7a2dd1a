/**
 * Amazon SQS (AWS JSON 1.0 protocol, signing name `sqs`, `X-Amz-Target: AmazonSQS.<Operation>`, as the SDK v3 client
 * speaks it): the standard queues the synthesized stack declares (aws_sqs_queue), with SigV4 and IAM like the other
 * services. Every operation is authorized as `sqs:<Operation>` on the queue's ARN, except the batch operations, which
 * need the permission of their single-message form ("Amazon SQS API permissions: Actions and resource reference":
 * SendMessageBatch needs sqs:SendMessage, DeleteMessageBatch sqs:DeleteMessage, ChangeMessageVisibilityBatch
 * sqs:ChangeMessageVisibility). Which ARN each action is checked against comes from the Service Authorization
 * Reference (account.authorizeAction).
 *
 * Queue URLs name the emulator (`<emulator URL>/<account>/<queue name>`): the SDK sends a request to its QueueUrl's
 * host, so the URL the stack hands a function is the one that reaches this service, name and ARN agreeing.
 * Limits (SQS developer guide, "Amazon SQS message quotas", and the API reference): a message body of at most the
 * queue's MaximumMessageSize (1 MiB at most), batches of at most 10 entries whose bodies total 1 MiB, ReceiveMessage of
 * 1-10 messages, long polls of 0-20 s, visibility timeouts of 0-43,200 s. Message attributes are not emulated and are
 * refused rather than dropped.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PolicyDocument } from '../../../../core/policy/document.js';
import { type Decision, evaluatePolicies } from '../../../../core/policy/evaluator.js';
import type { LocalAccount } from '../../account/account.js';
import { describePrincipal, type Principal } from '../../account/principal.js';
import { authenticateRequest } from '../../http/authenticate.js';
import { sendJson } from '../../http/io.js';
import { ServiceError } from '../../http/service-error.js';
import { denied, type EmulatorLogger } from '../../log.js';
import { hasInvalidCharacters, INVALID_CHARACTERS_MESSAGE } from './message-body.js';
import {
  type MessageAttributeValue,
  md5OfMessageAttributes,
  type QueueAttributes,
  QueueFullError,
  ReceiptHandleError,
  StandardQueue,
  type StoredMessage,
} from './queue.js';

/**
 * SendMessage: "The maximum size is 1 MiB or 1,048,576 bytes"; SendMessageBatch: the entries' bodies together at most
 * as much (SQS API reference, since the 2025 increase). A queue's MaximumMessageSize may be lower.
 */
export const MAX_MESSAGE_BYTES = 1_048_576;
/** The MaximumMessageSize of a queue that does not set it: 262,144, what the Terraform provider sends (max_message_size). */
export const DEFAULT_MAXIMUM_MESSAGE_SIZE = 262_144;
const MAX_BATCH_ENTRIES = 10;
/** "Amazon SQS message attributes": at most 10 per message; names of [a-zA-Z0-9_.-], at most 256 characters. */
const MAX_MESSAGE_ATTRIBUTES = 10;
const ATTRIBUTE_NAME = /^[a-zA-Z0-9_.-]{1,256}$/;
const ATTRIBUTE_DATA_TYPE = /^(String|Number|Binary)(\.[a-zA-Z0-9_.-]{1,246})?$/;
/** CreateQueue: QueueName is 1-80 characters of alphanumerics, hyphens and underscores. */
const QUEUE_NAME = /^[a-zA-Z0-9_-]{1,80}$/;

/** The operations and the IAM action each one needs. */
const OPERATIONS: Record<string, string> = {
  SendMessage: 'sqs:SendMessage',
  SendMessageBatch: 'sqs:SendMessage',
  ReceiveMessage: 'sqs:ReceiveMessage',
  DeleteMessage: 'sqs:DeleteMessage',
  DeleteMessageBatch: 'sqs:DeleteMessage',
  ChangeMessageVisibility: 'sqs:ChangeMessageVisibility',
  GetQueueAttributes: 'sqs:GetQueueAttributes',
  GetQueueUrl: 'sqs:GetQueueUrl',
  PurgeQueue: 'sqs:PurgeQueue',
  ListQueues: 'sqs:ListQueues',
};

/**
 * The query-protocol code of each error, which SQS's JSON responses carry in `x-amzn-query-error` and the SDK maps back
 * to its exception class (the `awsQueryError` traits of SQS's Smithy model, as @aws-sdk/client-sqs ships them). An
 * error without the trait keeps its own name.
 */
const QUERY_CODES: Record<string, string> = {
  BatchEntryIdsNotDistinct: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
  BatchRequestTooLong: 'AWS.SimpleQueueService.BatchRequestTooLong',
  EmptyBatchRequest: 'AWS.SimpleQueueService.EmptyBatchRequest',
  InvalidBatchEntryId: 'AWS.SimpleQueueService.InvalidBatchEntryId',
  MessageNotInflight: 'AWS.SimpleQueueService.MessageNotInflight',
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
  QueueNameExists: 'QueueAlreadyExists',
  TooManyEntriesInBatchRequest: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  UnsupportedOperation: 'AWS.SimpleQueueService.UnsupportedOperation',
};

export interface SqsServiceOptions {
  account: LocalAccount;
  logger: EmulatorLogger;
  now: () => Date;
  /** The emulator's URL, known once it listens: queue URLs are built on it. */
  baseUrl: () => string;
  /**
   * Messages one queue holds at most (LOCAL_SQS_MAX_MESSAGES): a local bound on memory. SQS stores an unlimited
   * backlog; its nearest quota is the in-flight one, whose error the refusal uses (queue.ts, QueueFullError).
   */
  maxMessagesPerQueue: number;
}

export interface CreateQueueInput {
  name: string;
  attributes: Partial<QueueAttributes>;
}

export class SqsService {
  readonly #queues = new Map<string, StandardQueue>();

  constructor(private readonly options: SqsServiceOptions) {}

  queueArn(name: string): string {
    return `arn:aws:sqs:${this.options.account.region}:${this.options.account.accountId}:${name}`;
  }

  /** CreateQueue with the attributes the stack sets; SQS's defaults for the rest ("CreateQueue", Attributes). */
  createQueue(input: CreateQueueInput): StandardQueue {
    if (!QUEUE_NAME.test(input.name)) throw new ServiceError(400, 'InvalidParameterValue', `Queue name ${input.name} must be 1-80 of [a-zA-Z0-9_-]`);
    if (input.name.endsWith('.fifo')) throw new ServiceError(400, 'UnsupportedOperation', 'FIFO queues are not emulated');
    if (this.#queues.has(input.name)) throw new ServiceError(400, 'QueueNameExists', `A queue named ${input.name} already exists`);
    const a = input.attributes;
    const attributes: QueueAttributes = {
      visibilityTimeoutSeconds: a.visibilityTimeoutSeconds ?? 30,
      messageRetentionSeconds: a.messageRetentionSeconds ?? 345_600,
      delaySeconds: a.delaySeconds ?? 0,
      receiveMessageWaitTimeSeconds: a.receiveMessageWaitTimeSeconds ?? 0,
      maximumMessageSize: a.maximumMessageSize ?? DEFAULT_MAXIMUM_MESSAGE_SIZE,
      ...(a.redrive ? { redrive: a.redrive } : {}),
    };
    checkRange('VisibilityTimeout', attributes.visibilityTimeoutSeconds, 0, 43_200);
    checkRange('MessageRetentionPeriod', attributes.messageRetentionSeconds, 60, 1_209_600);
    checkRange('DelaySeconds', attributes.delaySeconds, 0, 900);
    checkRange('ReceiveMessageWaitTimeSeconds', attributes.receiveMessageWaitTimeSeconds, 0, 20);
    checkRange('MaximumMessageSize', attributes.maximumMessageSize, 1024, MAX_MESSAGE_BYTES);
    if (attributes.redrive) {
      checkRange('maxReceiveCount', attributes.redrive.maxReceiveCount, 1, 1000);
      // "The dead-letter queue of a standard queue must also be a standard queue" in the same account and Region.
      if (!this.queueByArn(attributes.redrive.deadLetterTargetArn))
        throw new ServiceError(
          400,
          'InvalidParameterValue',
          `Value ${attributes.redrive.deadLetterTargetArn} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`,
        );
    }
    const url = `${this.options.baseUrl()}/${this.options.account.accountId}/${input.name}`;
    const queue = new StandardQueue(input.name, this.queueArn(input.name), url, attributes, this.options.now().getTime(), {
      maxMessages: this.options.maxMessagesPerQueue,
      now: () => this.options.now().getTime(),
      deadLetterSink: (targetArn, message) => {
        const target = this.queueByArn(targetArn);
        if (!target) return false;
        target.acceptDeadLetter(message, this.queueArn(input.name));
        return true;
      },
    });
    this.#queues.set(input.name, queue);
    return queue;
  }

  queueByArn(arn: string): StandardQueue | undefined {
    const name = arn.split(':').at(-1);
    const queue = name === undefined ? undefined : this.#queues.get(name);
    return queue?.arn === arn ? queue : undefined;
  }

  queueByName(name: string): StandardQueue | undefined {
    return this.#queues.get(name);
  }

  /** A queue by its URL as this service hands it out (Terraform refers to queues by URL). */
  queueByUrl(url: string): StandardQueue | undefined {
    try {
      return this.#queueOfUrl(url);
    } catch {
      return undefined;
    }
  }

  /**
   * A message sent by an AWS service on behalf of one of its resources (EventBridge writing to a rule target's
   * dead-letter queue): the queue's access policy must allow that service principal sqs:SendMessage with this source
   * ("Granting permissions to the dead-letter queue", EventBridge user guide; "Using policies with Amazon SQS"). Without
   * a policy, or without a statement allowing it, the send is refused.
   */
  sendAsService(
    queueArn: string,
    caller: { service: string; sourceArn: string; sourceAccount: string },
    body: string,
    messageAttributes?: Record<string, MessageAttributeValue>,
  ): StoredMessage {
    const queue = this.queueByArn(queueArn);
    if (!queue) throw new QueueAccessError(`queue ${queueArn} does not exist`);
    const decision = serviceMaySend(queue, caller);
    if (!decision.allowed) {
      denied(this.options.logger, {
        service: 'sqs',
        who: `${caller.service} (${caller.sourceArn})`,
        action: 'sqs:SendMessage',
        resource: queue.arn,
        reason: decision.reason,
      });
      throw new QueueAccessError(`${caller.service} may not sqs:SendMessage to ${queue.name} for ${caller.sourceArn}: ${decision.reason}`);
    }
    return queue.send(body, undefined, undefined, messageAttributes);
  }

  close(): void {
    for (const queue of this.#queues.values()) queue.close();
  }

  async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const requestId = randomUUID();
    try {
      let principal: Principal;
      try {
        principal = authenticateRequest(req, body, 'sqs', this.options.account, this.options.now());
      } catch (error) {
        if (error instanceof ServiceError) throw new ServiceError(error.status === 403 ? 403 : 400, error.code, error.message);
        throw error;
      }
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSQS\./, '');
      const action = OPERATIONS[operation];
      if (req.method !== 'POST' || !action)
        throw new ServiceError(
          400,
          'UnsupportedOperation',
          `${operation || '(no X-Amz-Target)'} is not an SQS operation the emulator implements (${Object.keys(OPERATIONS).join(', ')})`,
        );
      let input: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(body.length === 0 ? '{}' : body.toString('utf8'));
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        input = parsed as Record<string, unknown>;
      } catch {
        throw new ServiceError(400, 'InvalidParameterValue', 'the request body must be a JSON object');
      }
      const output = await this.#run(operation, action, input, principal);
      sendJson(res, 200, output, { 'x-amzn-requestid': requestId, 'content-type': 'application/x-amz-json-1.0' });
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      const queryCode = QUERY_CODES[error.code] ?? error.code;
      sendJson(
        res,
        error.status,
        { __type: `com.amazonaws.sqs#${error.code}`, message: error.message },
        { 'x-amzn-requestid': requestId, 'x-amzn-query-error': `${queryCode};Sender`, 'content-type': 'application/x-amz-json-1.0' },
      );
    }
  }

  async #run(operation: string, action: string, input: Record<string, unknown>, principal: Principal): Promise<unknown> {
    if (operation === 'ListQueues') {
      this.#authorize(principal, action, {});
      const prefix = typeof input.QueueNamePrefix === 'string' ? input.QueueNamePrefix : '';
      return { QueueUrls: [...this.#queues.values()].filter((q) => q.name.startsWith(prefix)).map((q) => q.url) };
    }
    if (operation === 'GetQueueUrl') {
      const name = requiredString(input, 'QueueName');
      const queue = this.#queues.get(name);
      this.#authorize(principal, action, { queue: this.queueArn(name) });
      if (!queue) throw new ServiceError(400, 'QueueDoesNotExist', 'The specified queue does not exist.');
      return { QueueUrl: queue.url };
    }
    const queue = this.#queueOfUrl(requiredString(input, 'QueueUrl'));
    this.#authorize(principal, action, { queue: queue.arn });
    switch (operation) {
      case 'SendMessage':
        return messageSent(this.#send(queue, input));
      case 'SendMessageBatch':
        return this.#sendBatch(queue, input);
      case 'ReceiveMessage':
        return this.#receive(queue, input);
      case 'DeleteMessage':
        this.#withReceipt(() => queue.delete(requiredString(input, 'ReceiptHandle')));
        return {};
      case 'DeleteMessageBatch':
        return this.#deleteBatch(queue, input);
      case 'ChangeMessageVisibility': {
        const timeout = integer(input, 'VisibilityTimeout', 0, 43_200);
        this.#withReceipt(() => queue.changeVisibility(requiredString(input, 'ReceiptHandle'), timeout ?? 0));
        return {};
      }
      case 'GetQueueAttributes':
        return { Attributes: this.#attributes(queue, input) };
      case 'PurgeQueue':
        queue.purge();
        return {};
      default:
        throw new ServiceError(400, 'UnsupportedOperation', `${operation} is not implemented`);
    }
  }

  #authorize(principal: Principal, action: string, involved: Record<string, string>): void {
    const decision = this.options.account.authorizeAction(principal, action, involved);
    if (decision.allowed) return;
    denied(this.options.logger, { service: 'sqs', who: describePrincipal(principal), action, resource: decision.resource, reason: decision.reason });
    throw new ServiceError(
      403,
      'AccessDenied',
      `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${decision.resource} because no identity-based policy allows the ${action} action`,
    );
  }

  #queueOfUrl(url: string): StandardQueue {
    let name: string | undefined;
    try {
      const parsed = new URL(url);
      const [account, queueName, ...rest] = parsed.pathname.split('/').slice(1);
      if (account === this.options.account.accountId && rest.length === 0) name = queueName;
    } catch {
      throw new ServiceError(404, 'InvalidAddress', `The address ${url} is not valid for this endpoint.`);
    }
    const queue = name === undefined ? undefined : this.#queues.get(name);
    if (!queue) throw new ServiceError(400, 'QueueDoesNotExist', 'The specified queue does not exist.');
    return queue;
  }

  #send(queue: StandardQueue, entry: Record<string, unknown>): StoredMessage {
    for (const name of ['MessageSystemAttributes', 'MessageGroupId', 'MessageDeduplicationId'])
      if (entry[name] !== undefined) throw new ServiceError(400, 'UnsupportedOperation', `${name} is not emulated by the local SQS`);
    const body = requiredString(entry, 'MessageBody');
    if (body.length === 0) throw new ServiceError(400, 'MissingParameter', 'The request must contain the parameter MessageBody.');
    if (Buffer.byteLength(body, 'utf8') > queue.attributes.maximumMessageSize)
      throw new ServiceError(
        400,
        'InvalidParameterValue',
        `One or more parameters are invalid. Reason: Message must be shorter than ${queue.attributes.maximumMessageSize} bytes.`,
      );
    if (hasInvalidCharacters(body)) throw new ServiceError(400, 'InvalidMessageContents', INVALID_CHARACTERS_MESSAGE);
    const delay = integer(entry, 'DelaySeconds', 0, 900);
    const attributes = messageAttributesOf(entry);
    try {
      return queue.send(body, delay, undefined, attributes);
    } catch (error) {
      // OverLimit is a 403 in SQS's model (awsQueryError "OverLimit", httpError 403, as @aws-sdk/client-sqs ships it).
      if (error instanceof QueueFullError) throw new ServiceError(403, 'OverLimit', error.message);
      throw error;
    }
  }

  #sendBatch(queue: StandardQueue, input: Record<string, unknown>): unknown {
    const entries = batchEntries(input);
    const total = entries.reduce((n, e) => n + Buffer.byteLength(typeof e.MessageBody === 'string' ? e.MessageBody : '', 'utf8'), 0);
    if (total > MAX_MESSAGE_BYTES)
      throw new ServiceError(400, 'BatchRequestTooLong', `Batch requests cannot be longer than ${MAX_MESSAGE_BYTES} bytes. You have sent ${total} bytes.`);
    const Successful: unknown[] = [];
    const Failed: unknown[] = [];
    for (const entry of entries) {
      try {
        Successful.push({ Id: entry.Id, ...messageSent(this.#send(queue, entry)) });
      } catch (error) {
        if (!(error instanceof ServiceError)) throw error;
        Failed.push({ Id: entry.Id, SenderFault: error.status < 500, Code: error.code, Message: error.message });
      }
    }
    return { Successful, Failed };
  }

  async #receive(queue: StandardQueue, input: Record<string, unknown>): Promise<unknown> {
    const max = integer(input, 'MaxNumberOfMessages', 1, 10) ?? 1;
    const visibility = integer(input, 'VisibilityTimeout', 0, 43_200);
    const wait = integer(input, 'WaitTimeSeconds', 0, 20) ?? queue.attributes.receiveMessageWaitTimeSeconds;
    // Long polling ("Amazon SQS short and long polling"): the receive returns as soon as a message is available, sent
    // meanwhile or visible again after its visibility timeout, or empty when the wait is over.
    const deadline = this.options.now().getTime() + wait * 1000;
    let messages = queue.receive(max, visibility);
    while (messages.length === 0) {
      const now = this.options.now().getTime();
      if (now >= deadline) break;
      const next = queue.nextVisibleAt(now) ?? deadline;
      await queue.waitForMessages(Math.max(1, Math.min(deadline, next) - now));
      messages = queue.receive(max, visibility);
    }
    // Only the system attributes asked for (MessageSystemAttributeNames, or the older AttributeNames), "All" for all.
    const asked = new Set(
      [input.MessageSystemAttributeNames, input.AttributeNames].flatMap((names) => (Array.isArray(names) ? (names as unknown[]).map(String) : [])),
    );
    const pick = (attributes: Record<string, string>) =>
      asked.has('All') ? attributes : Object.fromEntries(Object.entries(attributes).filter(([name]) => asked.has(name)));
    const attributeNames = Array.isArray(input.MessageAttributeNames) ? (input.MessageAttributeNames as unknown[]).map(String) : [];
    return {
      Messages: messages.map((m) => {
        const attributes = pick({
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(m.sentAt),
          ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
          SenderId: 'AIDALOCALEMULATOR',
          ...(m.sourceArn ? { DeadLetterQueueSourceArn: m.sourceArn } : {}),
        });
        return {
          MessageId: m.messageId,
          ReceiptHandle: m.receipt,
          MD5OfBody: m.md5OfBody,
          Body: m.body,
          ...selectedAttributes(m, attributeNames),
          ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
        };
      }),
    };
  }

  #deleteBatch(queue: StandardQueue, input: Record<string, unknown>): unknown {
    const Successful: unknown[] = [];
    const Failed: unknown[] = [];
    for (const entry of batchEntries(input)) {
      try {
        this.#withReceipt(() => queue.delete(requiredString(entry, 'ReceiptHandle')));
        Successful.push({ Id: entry.Id });
      } catch (error) {
        if (!(error instanceof ServiceError)) throw error;
        Failed.push({ Id: entry.Id, SenderFault: true, Code: error.code, Message: error.message });
      }
    }
    return { Successful, Failed };
  }

  #withReceipt(run: () => void): void {
    try {
      run();
    } catch (error) {
      // A handle SQS never issued is ReceiptHandleIsInvalid (404 in SQS's model); a valid one whose message is no
      // longer in flight under it, for ChangeMessageVisibility, InvalidParameterValue (the message quoted in queue.ts).
      if (error instanceof ReceiptHandleError)
        throw error.malformed ? new ServiceError(404, 'ReceiptHandleIsInvalid', error.message) : new ServiceError(400, 'InvalidParameterValue', error.message);
      throw error;
    }
  }

  #attributes(queue: StandardQueue, input: Record<string, unknown>): Record<string, string> {
    const counts = queue.counts(this.options.now().getTime());
    const a = queue.attributes;
    const all: Record<string, string> = {
      QueueArn: queue.arn,
      ApproximateNumberOfMessages: String(counts.visible),
      ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
      ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
      VisibilityTimeout: String(a.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(a.messageRetentionSeconds),
      DelaySeconds: String(a.delaySeconds),
      ReceiveMessageWaitTimeSeconds: String(a.receiveMessageWaitTimeSeconds),
      MaximumMessageSize: String(a.maximumMessageSize),
      SqsManagedSseEnabled: 'true',
      ...(a.redrive ? { RedrivePolicy: JSON.stringify(a.redrive) } : {}),
      ...(queue.policy ? { Policy: JSON.stringify(queue.policy) } : {}),
    };
    const names = Array.isArray(input.AttributeNames) ? (input.AttributeNames as unknown[]).map(String) : [];
    if (names.length === 0) return {};
    if (names.includes('All')) return all;
    for (const name of names) if (!(name in all) && name !== 'Policy') throw new ServiceError(400, 'InvalidAttributeName', `Unknown Attribute ${name}.`);
    return Object.fromEntries(names.filter((n) => n in all).map((n) => [n, all[n]!]));
  }
}

function messageSent(m: StoredMessage): { MessageId: string; MD5OfMessageBody: string; MD5OfMessageAttributes?: string } {
  return { MessageId: m.messageId, MD5OfMessageBody: m.md5OfBody, ...(m.md5OfMessageAttributes ? { MD5OfMessageAttributes: m.md5OfMessageAttributes } : {}) };
}

/** A queue's access policy refused a service, or the queue is gone. */
export class QueueAccessError extends Error {
  override readonly name = 'QueueAccessError';
}

/** Whether the queue's access policy allows this service principal to send for this source. */
export function serviceMaySend(queue: StandardQueue, caller: { service: string; sourceArn: string; sourceAccount: string }): Decision {
  if (!queue.policy) return { allowed: false, effect: 'ImplicitDeny', reason: 'the queue has no access policy (aws_sqs_queue_policy)' };
  return evaluatePolicies([{ name: `access policy of ${queue.name}`, document: queue.policy }], {
    action: 'sqs:SendMessage',
    resource: queue.arn,
    principal: { type: 'Service', id: caller.service },
    context: { 'aws:SourceArn': caller.sourceArn, 'aws:SourceAccount': caller.sourceAccount },
  });
}

/**
 * The statements the emulator evaluates in a queue policy: Allow statements for AWS service principals (what a
 * dead-letter queue of EventBridge needs). Requests of IAM principals are authorized by their identity policies only, so
 * a statement that would also concern them (a Deny, an AWS principal) is refused rather than silently ignored.
 */
export function checkQueuePolicy(document: PolicyDocument): void {
  for (const statement of document.Statement) {
    const principal = statement.Principal;
    const services = typeof principal === 'object' && principal !== null ? Object.keys(principal) : [];
    if (statement.Effect !== 'Allow' || services.length !== 1 || services[0] !== 'Service')
      throw new ServiceError(
        400,
        'InvalidAttributeValue',
        `the local SQS evaluates queue policies with Allow statements for service principals only (statement ${statement.Sid ?? '(no Sid)'})`,
      );
  }
}

/**
 * SendMessage MessageAttributes ("Amazon SQS message attributes"): at most 10, names of [a-zA-Z0-9_.-] not starting
 * with "AWS." or "Amazon." (any case), data types String, Number or Binary with an optional custom suffix, and a value
 * of the type's kind.
 */
function messageAttributesOf(entry: Record<string, unknown>): Record<string, MessageAttributeValue> | undefined {
  const raw = entry.MessageAttributes;
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ServiceError(400, 'InvalidParameterValue', 'MessageAttributes must be a map');
  const names = Object.keys(raw);
  if (names.length > MAX_MESSAGE_ATTRIBUTES)
    throw new ServiceError(
      400,
      'InvalidParameterValue',
      `Number of message attributes [${names.length}] exceeds the allowed maximum [${MAX_MESSAGE_ATTRIBUTES}].`,
    );
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const name of names) {
    const value = (raw as Record<string, unknown>)[name] as Record<string, unknown> | null;
    if (!ATTRIBUTE_NAME.test(name) || /^(aws\.|amazon\.)/i.test(name) || name.startsWith('.') || name.endsWith('.') || name.includes('..'))
      throw new ServiceError(400, 'InvalidParameterValue', `Message attribute name '${name}' is invalid.`);
    const dataType = value?.DataType;
    if (typeof dataType !== 'string' || !ATTRIBUTE_DATA_TYPE.test(dataType))
      throw new ServiceError(
        400,
        'InvalidParameterValue',
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    if (dataType.startsWith('Binary')) {
      if (typeof value?.BinaryValue !== 'string' || value.BinaryValue.length === 0)
        throw new ServiceError(400, 'InvalidParameterValue', `The message attribute '${name}' with type 'Binary' must use field 'Binary'.`);
      attributes[name] = { DataType: dataType, BinaryValue: value.BinaryValue };
    } else {
      if (typeof value?.StringValue !== 'string' || value.StringValue.length === 0)
        throw new ServiceError(
          400,
          'InvalidParameterValue',
          `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType.split('.')[0]}'.`,
        );
      if (dataType.startsWith('Number') && !Number.isFinite(Number(value.StringValue)))
        throw new ServiceError(400, 'InvalidParameterValue', `Can't cast the value of message (user) attribute '${name}' to a number.`);
      attributes[name] = { DataType: dataType, StringValue: value.StringValue };
    }
  }
  return attributes;
}

/**
 * ReceiveMessage MessageAttributeNames: `All` or `.*` for every attribute, a name, or a prefix followed by `.*`
 * (`bar.*`); the MD5 returned is of the attributes returned.
 */
function selectedAttributes(
  m: StoredMessage,
  requested: readonly string[],
): { MessageAttributes?: Record<string, MessageAttributeValue>; MD5OfMessageAttributes?: string } {
  if (!m.messageAttributes || requested.length === 0) return {};
  const wanted = (name: string) => requested.some((r) => r === 'All' || r === '.*' || r === name || (r.endsWith('.*') && name.startsWith(r.slice(0, -1))));
  const selected = Object.fromEntries(Object.entries(m.messageAttributes).filter(([name]) => wanted(name)));
  if (Object.keys(selected).length === 0) return {};
  return { MessageAttributes: selected, MD5OfMessageAttributes: md5OfMessageAttributes(selected) };
}

function requiredString(input: Record<string, unknown>, name: string): string {
  const value = input[name];
  if (typeof value !== 'string') throw new ServiceError(400, 'MissingParameter', `The request must contain the parameter ${name}.`);
  return value;
}

function integer(input: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const value = input[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new ServiceError(
      400,
      'InvalidParameterValue',
      `Value ${JSON.stringify(value)} for parameter ${name} is invalid. Reason: must be between ${min} and ${max}.`,
    );
  return value;
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ServiceError(400, 'InvalidAttributeValue', `Invalid value for the parameter ${name}: must be ${min}-${max}, got ${value}`);
}

/** Batch entries: 1-10, ids distinct, each 1-80 of alphanumerics, hyphens and underscores. */
function batchEntries(input: Record<string, unknown>): Array<Record<string, unknown> & { Id: string }> {
  const entries = input.Entries;
  if (!Array.isArray(entries) || entries.length === 0) throw new ServiceError(400, 'EmptyBatchRequest', 'There should be at least one entry in the request.');
  if (entries.length > MAX_BATCH_ENTRIES)
    throw new ServiceError(
      400,
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
    );
  const ids = new Set<string>();
  return entries.map((entry: unknown) => {
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof e.Id !== 'string' || !/^[a-zA-Z0-9_-]{1,80}$/.test(e.Id))
      throw new ServiceError(
        400,
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    if (ids.has(e.Id)) throw new ServiceError(400, 'BatchEntryIdsNotDistinct', `Id ${e.Id} repeated.`);
    ids.add(e.Id);
    return e as Record<string, unknown> & { Id: string };
  });
}
