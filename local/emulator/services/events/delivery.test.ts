/**
 * EventBridge's retry policy and dead-letter records ("Retry policies and dead-letter queues", "Event retry policy and
 * using dead-letter queues", EventBridge user guide), with a scripted target and a recording dead-letter queue.
 */
import { memoryLogger } from '../../log.js';
import type { MessageAttributeValue } from '../sqs/queue.js';
import { DeliveryQueue, type DeliveryTarget, TargetInvocationError } from './delivery.js';

const RULE = 'arn:aws:events:us-east-1:000000000000:rule/app-events/app-notifications';
const DLQ = 'arn:aws:sqs:us-east-1:000000000000:app-notify-failures';
const FN = 'arn:aws:lambda:us-east-1:000000000000:function:app-notify';

interface DeadLetter {
  queueArn: string;
  body: string;
  attributes: Record<string, string | undefined>;
}

function setup(script: Array<TargetInvocationError | 'ok'>, options: { now?: () => number; deadLetterRefuses?: boolean } = {}) {
  const calls: string[] = [];
  const deadLetters: DeadLetter[] = [];
  const logger = memoryLogger();
  const queue = new DeliveryQueue({
    logger,
    now: options.now ?? (() => Date.now()),
    retryBaseDelayMs: 5,
    maxPending: 3,
    random: () => 0.5,
    invoke: async (_target, _rule, event) => {
      calls.push(event);
      const next = script.shift() ?? 'ok';
      if (next !== 'ok') throw next;
    },
    sendDeadLetter: async (queueArn, _rule, body, attributes: Record<string, MessageAttributeValue>) => {
      if (options.deadLetterRefuses) throw new Error('the queue policy does not allow events.amazonaws.com');
      deadLetters.push({ queueArn, body, attributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, v.StringValue])) });
    },
  });
  return { queue, calls, deadLetters, logger };
}

const target = (retry: Partial<DeliveryTarget['retryPolicy']> = {}, withDeadLetterQueue = true): DeliveryTarget => ({
  id: 'notify',
  arn: FN,
  retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeSeconds: 3600, ...retry },
  ...(withDeadLetterQueue ? { deadLetterArn: DLQ } : {}),
});
const throttled = () => new TargetInvocationError('THROTTLING', 'Rate Exceeded.', true);

describe('EventBridge target delivery', () => {
  it('delivers once when the target accepts the event', async () => {
    const { queue, calls, deadLetters } = setup(['ok']);
    queue.deliver(RULE, target(), '{"id":"e1"}');
    await queue.idle();
    expect(calls).toEqual(['{"id":"e1"}']);
    expect(deadLetters).toEqual([]);
  });

  it('retries a retriable failure until it succeeds', async () => {
    const { queue, calls, deadLetters } = setup([throttled(), throttled(), 'ok']);
    queue.deliver(RULE, target(), '{"id":"e2"}');
    await queue.idle();
    expect(calls).toHaveLength(3);
    expect(deadLetters).toEqual([]);
  });

  it('sends the event to the dead-letter queue with the documented attributes once MaximumRetryAttempts is spent', async () => {
    const { queue, calls, deadLetters } = setup([throttled(), throttled(), throttled(), throttled(), throttled()]);
    queue.deliver(RULE, target({ maximumRetryAttempts: 2 }), '{"id":"e3"}');
    await queue.idle();
    // One attempt and two retries.
    expect(calls).toHaveLength(3);
    expect(deadLetters).toEqual([
      {
        queueArn: DLQ,
        body: '{"id":"e3"}',
        attributes: {
          RULE_ARN: RULE,
          TARGET_ARN: FN,
          ERROR_CODE: 'THROTTLING',
          ERROR_MESSAGE: 'Rate Exceeded.',
          RETRY_ATTEMPTS: '2',
          EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
        },
      },
    ]);
  });

  it('stops at MaximumEventAgeInSeconds when the next retry would come after it', async () => {
    let clock = 1_000_000;
    const { queue, calls, deadLetters } = setup([throttled(), throttled()], { now: () => clock });
    queue.deliver(RULE, target({ maximumEventAgeSeconds: 60 }), '{"id":"e4"}');
    clock += 61_000;
    await queue.idle();
    expect(calls).toHaveLength(1);
    expect(deadLetters[0]?.attributes).toMatchObject({ EXHAUSTED_RETRY_CONDITION: 'MaximumEventAgeInSeconds', RETRY_ATTEMPTS: '0' });
  });

  it('sends a missing permission or a missing target straight to the dead-letter queue, without retrying or a retry condition', async () => {
    const { queue, calls, deadLetters } = setup([new TargetInvocationError('NO_PERMISSIONS', 'events.amazonaws.com is not authorized', false)]);
    queue.deliver(RULE, target(), '{"id":"e5"}');
    await queue.idle();
    expect(calls).toHaveLength(1);
    expect(deadLetters[0]?.attributes).toEqual({
      RULE_ARN: RULE,
      TARGET_ARN: FN,
      ERROR_CODE: 'NO_PERMISSIONS',
      ERROR_MESSAGE: 'events.amazonaws.com is not authorized',
      RETRY_ATTEMPTS: '0',
    });
  });

  it('drops (and logs) an event that failed when the target has no dead-letter queue, or the queue refuses it', async () => {
    const noQueue = setup([new TargetInvocationError('NO_RESOURCE', 'Function not found', false)]);
    noQueue.queue.deliver(RULE, target({}, false), '{"id":"e6"}');
    await noQueue.queue.idle();
    expect(noQueue.deadLetters).toEqual([]);
    expect(noQueue.logger.entries.some((e) => e.message === 'event dropped: the target could not be invoked and has no dead-letter queue')).toBe(true);

    const refused = setup([new TargetInvocationError('NO_RESOURCE', 'Function not found', false)], { deadLetterRefuses: true });
    refused.queue.deliver(RULE, target(), '{"id":"e7"}');
    await refused.queue.idle();
    expect(refused.logger.entries.some((e) => e.message === 'event dropped: the dead-letter queue refused it')).toBe(true);
  });

  it('bounds the deliveries in progress: a queue at its bound has no room for more', async () => {
    const { queue } = setup([throttled(), throttled(), throttled()]);
    expect(queue.hasRoom(3)).toBe(true);
    for (let i = 0; i < 3; i += 1) queue.deliver(RULE, target(), `{"id":"f${i}"}`);
    expect(queue.hasRoom(1)).toBe(false);
    await queue.idle();
    expect(queue.hasRoom(3)).toBe(true);
  });
});
