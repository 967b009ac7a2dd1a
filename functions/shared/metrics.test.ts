import { jest } from '@jest/globals';
import { context, httpEvent, silentLogger } from '../../test/fixtures/events.js';
import { ForbiddenError, PublishFailedError, TooManyRequestsError, UnauthorizedError, ValidationError } from './errors.js';
import { jsonResponse } from './http-errors.js';
import { httpHandler } from './http-handler.js';
import { countingPublisher, memoryMetrics, powertoolsMetrics } from './metrics.js';

describe('powertools metrics adapter', () => {
  it('writes one EMF line per invocation, in the stage namespace with the service dimension the alarms use', () => {
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const metrics = powertoolsMetrics({ app: 'iot-realtime', stage: 'prod' });
      metrics.flush();
      expect(lines).toEqual([]);
      metrics.count('PublishFailures');
      metrics.count('FanoutRecipients', 12);
      metrics.flush();
      metrics.flush();
      expect(lines).toHaveLength(1);
      const emf = JSON.parse(lines[0]!) as {
        _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
        service: string;
      } & Record<string, unknown>;
      const [directive] = emf._aws.CloudWatchMetrics;
      expect(directive).toMatchObject({ Namespace: 'iot-realtime/prod', Dimensions: [['service']] });
      expect(directive!.Metrics).toEqual(
        expect.arrayContaining([
          { Name: 'PublishFailures', Unit: 'Count' },
          { Name: 'FanoutRecipients', Unit: 'Count' },
        ]),
      );
      expect(emf).toMatchObject({ service: 'iot-realtime', PublishFailures: 1, FanoutRecipients: 12 });
    } finally {
      write.mockRestore();
    }
  });
});

describe('countingPublisher', () => {
  it('counts successful publishes and failed ones, letting failures through', async () => {
    const metrics = memoryMetrics();
    let calls = 0;
    const publisher = countingPublisher(
      {
        async publish() {
          calls += 1;
          if (calls === 2) throw new PublishFailedError('throttled', true);
        },
      },
      metrics,
    );
    await publisher.publish('t', {}, 1);
    await expect(publisher.publish('t', {}, 1)).rejects.toThrow('throttled');
    await publisher.publish('t', {}, 1);
    expect(metrics.totals).toEqual({ Publishes: 2, PublishFailures: 1 });
  });
});

describe('http handler denials', () => {
  it.each([
    [new UnauthorizedError('who?'), 401, { Unauthorized: 1 }],
    [new ForbiddenError('no'), 403, { Forbidden: 1 }],
    [new TooManyRequestsError('slow down', 3), 429, { RateLimited: 1 }],
    [new ValidationError('bad'), 400, {}],
  ])('counts %s', async (error, status, totals) => {
    const metrics = memoryMetrics();
    let flushed = 0;
    const handler = httpHandler(
      silentLogger(),
      async () => {
        throw error;
      },
      {
        ...metrics,
        flush: () => {
          flushed += 1;
        },
      },
    );
    const res = await handler(httpEvent({}), context);
    expect(res.statusCode).toBe(status);
    expect(metrics.totals).toEqual(totals);
    expect(flushed).toBe(1);
  });

  it('flushes after a successful answer too, and counts nothing', async () => {
    const metrics = memoryMetrics();
    let flushed = 0;
    const handler = httpHandler(silentLogger(), async () => jsonResponse(200, {}), {
      ...metrics,
      flush: () => {
        flushed += 1;
      },
    });
    expect((await handler(httpEvent({}), context)).statusCode).toBe(200);
    expect(flushed).toBe(1);
    expect(metrics.totals).toEqual({});
  });
});
