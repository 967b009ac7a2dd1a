import { jest } from '@jest/globals';
import { DeliveryTally } from './tally.js';

describe('DeliveryTally', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('answers once the first N clients all have the tag, counting copies before the wait and duplicates', async () => {
    const tally = new DeliveryTally(() => 4);
    tally.arrival('t1', 0, 100);
    const waiting = tally.wait('t1', 3, 20_000);
    tally.arrival('t1', 1, 110);
    tally.arrival('t1', 1, 111);
    tally.arrival('t1', 3, 112);
    tally.arrival('t1', 2, 120);
    await expect(waiting).resolves.toEqual({ received: 3, firstAt: 100, lastAt: 120, duplicates: 1, outside: 1, missing: [] });
  });

  it('names the clients a timed-out wait lacks, then records each straggler once, with its time', async () => {
    const tally = new DeliveryTally(() => 5);
    const waiting = tally.wait('t1', 4, 20_000);
    tally.arrival('t1', 0, 100);
    tally.arrival('t1', 2, 101);
    jest.advanceTimersByTime(20_000);
    const arrivals = await waiting;
    expect(arrivals.received).toBe(2);
    expect(arrivals.missing).toEqual([1, 3]);

    tally.arrival('t1', 3, 25_000);
    tally.arrival('t1', 3, 25_001); // a second copy to a straggler is a copy, not another straggler
    tally.arrival('t1', 0, 25_002); // a copy to a client that had it in time
    expect(tally.late).toEqual({ stragglers: 1, copiesAfterCompletion: 2 });
    expect(tally.stragglers(['t1'])).toEqual({ t1: [{ client: 1 }, { client: 3, arrivedAt: 25_000 }] });
  });

  it('counts every copy of a completed tag as a copy after completion, never as a straggler', async () => {
    const tally = new DeliveryTally(() => 2);
    const waiting = tally.wait('t1', 2, 20_000);
    tally.arrival('t1', 0, 1);
    tally.arrival('t1', 1, 2);
    await waiting;
    tally.arrival('t1', 0, 3);
    tally.arrival('t1', 1, 4);
    expect(tally.late).toEqual({ stragglers: 0, copiesAfterCompletion: 2 });
    expect(tally.stragglers(['t1', 'unknown'])).toEqual({ t1: [], unknown: [] });
  });

  it('times out with every client missing when nothing came', async () => {
    const tally = new DeliveryTally(() => 3);
    const waiting = tally.wait('t1', 3, 50);
    jest.advanceTimersByTime(50);
    await expect(waiting).resolves.toMatchObject({ received: 0, missing: [0, 1, 2] });
    expect(Number.isNaN((await waiting).lastAt)).toBe(true);
  });
});
