import { account, deliveryLatencies, type MessageDeliveries, type Post, percentiles } from './ledger.js';

const rooms = new Map([
  ['r1', 3],
  ['r2', 2],
]);

const accepted = (seq: number, roomId: string, messageId: string, postedAt = 1000): Post => ({
  seq,
  roomId,
  postedAt,
  answeredAt: postedAt + 5,
  outcome: { kind: 'accepted', messageId },
});
const failed = (seq: number, roomId: string, reason: string): Post => ({ seq, roomId, postedAt: 1000, answeredAt: 1010, outcome: { kind: 'failed', reason } });
const got = (messageId: string, roomId: string, seq: number | undefined, members: number, extra: Partial<MessageDeliveries> = {}): MessageDeliveries => ({
  messageId,
  roomId,
  seq,
  members,
  copies: members,
  outside: 0,
  firstArrivals: Array.from({ length: members }, (_, i) => 1010 + i),
  missing: [],
  ...extra,
});

describe('account', () => {
  it('counts every accepted message delivered to every connection of its room as delivered, nothing lost', () => {
    const l = account([accepted(1, 'r1', 'm1'), accepted(2, 'r2', 'm2')], [got('m1', 'r1', 1, 3), got('m2', 'r2', 2, 2)], rooms);
    expect(l).toMatchObject({ posts: 2, accepted: 2, failed: 0, expectedDeliveries: 5, delivered: 5, lost: 0, duplicates: 0, stray: 0, lostMessages: [] });
  });

  it('counts a connection that never got an accepted message as lost, naming it', () => {
    const l = account([accepted(1, 'r1', 'm1')], [got('m1', 'r1', 1, 2, { missing: ['c3'] })], rooms);
    expect(l.lost).toBe(1);
    expect(l.delivered).toBe(2);
    expect(l.lostMessages).toEqual([{ seq: 1, messageId: 'm1', roomId: 'r1', missing: ['c3'] }]);
  });

  it('counts an accepted message nobody received as lost at every connection of its room', () => {
    const l = account([accepted(1, 'r1', 'm1')], [], rooms);
    expect(l.lost).toBe(3);
    expect(l.lostMessages[0]?.missing).toBe('all');
  });

  it('counts copies beyond the first per connection as duplicates, not as extra deliveries', () => {
    const l = account([accepted(1, 'r1', 'm1')], [got('m1', 'r1', 1, 3, { copies: 5 })], rooms);
    expect(l).toMatchObject({ delivered: 3, duplicates: 2, lost: 0 });
  });

  it('keeps failed posts apart: reasons counted, no delivery expected, a delivery anyway reported', () => {
    const l = account([failed(1, 'r1', 'HTTP 503'), failed(2, 'r1', 'HTTP 503'), failed(3, 'r2', 'timeout')], [got('mx', 'r2', 3, 2)], rooms);
    expect(l).toMatchObject({ accepted: 0, failed: 3, failures: { 'HTTP 503': 2, timeout: 1 }, expectedDeliveries: 0, lost: 0, stray: 0 });
    expect(l.failedButDelivered).toEqual([{ seq: 3, reason: 'timeout', members: 2 }]);
  });

  it('counts a delivered message that matches no post, or not the messageId its 202 named, as stray', () => {
    const l = account(
      [accepted(1, 'r1', 'm1')],
      [got('m1', 'r1', 1, 3), got('other', 'r1', 1, 3), got('foreign', 'r1', undefined, 1), got('m9', 'r1', 9, 1)],
      rooms,
    );
    expect(l.stray).toBe(3);
    expect(l.lost).toBe(0);
  });

  it('counts connections outside the room that received a message', () => {
    expect(account([accepted(1, 'r2', 'm1')], [got('m1', 'r2', 1, 2, { outside: 1 })], rooms).outside).toBe(1);
  });

  it('refuses a post to a room without connections (a setup error, not a loss)', () => {
    expect(() => account([accepted(1, 'nowhere', 'm1')], [], rooms)).toThrow('post 1 names room nowhere, which has no connections');
  });
});

describe('percentiles', () => {
  it('takes the nearest rank', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentiles(samples, [50, 99, 100])).toEqual([50, 99, 100]);
    expect(percentiles([7], [1, 50, 100])).toEqual([7, 7, 7]);
  });

  it('is NaN without samples', () => {
    expect(percentiles([], [50])).toEqual([Number.NaN]);
  });
});

describe('deliveryLatencies', () => {
  it('measures from the POST to each first copy, split by whether the POST fell in a disturbed window', () => {
    const posts = [accepted(1, 'r2', 'calm', 1000), accepted(2, 'r2', 'hit', 5000), failed(3, 'r2', 'HTTP 503')];
    const deliveries = [got('calm', 'r2', 1, 2, { firstArrivals: [1010, 1030] }), got('hit', 'r2', 2, 2, { firstArrivals: [9000, 9500] })];
    expect(deliveryLatencies(posts, deliveries, [{ from: 4000, to: 6000 }])).toEqual({ calm: [10, 30], disturbed: [4000, 4500] });
  });
});
