/**
 * The soak's accounting, pure: every POST the driver made against every copy the members' connections received.
 * A POST answered 202 promises its message to every connection of its room: each must have it at least once (the
 * browser de-duplicates by messageId); a missing one is lost. A POST that failed (5xx, network error, timeout) was
 * reported failed to its poster; if its message was delivered anyway, that is counted, as it would surprise a client
 * that retries. Copies beyond the first to one connection are the duplicates de-duplication removes.
 */

export type PostOutcome = { kind: 'accepted'; messageId: string } | { kind: 'failed'; reason: string };

export interface Post {
  /** Also the message's text (`soak-<seq>`), so a delivery names its POST even when the POST failed. */
  seq: number;
  roomId: string;
  /** Wall-clock ms when the POST was sent and when it was answered. */
  postedAt: number;
  answeredAt: number;
  outcome: PostOutcome;
}

/** What the connections received of one messageId (the subscribers' process reports it). */
export interface MessageDeliveries {
  messageId: string;
  roomId: string;
  /** From the text; undefined when the text is not one of the soak's. */
  seq: number | undefined;
  /** Distinct connections of the message's room that received it. */
  members: number;
  /** Every copy those connections received, duplicates included. */
  copies: number;
  /** Connections outside the room that received it (never expected). */
  outside: number;
  /** Wall-clock ms of each member connection's first copy. */
  firstArrivals: number[];
  /** Client ids of the room's connections that did not receive it. */
  missing: string[];
}

export interface LostMessage {
  seq: number;
  messageId: string;
  roomId: string;
  /** Client ids of the connections it never reached (all of the room's when nothing arrived). */
  missing: string[] | 'all';
}

export interface Ledger {
  posts: number;
  accepted: number;
  failed: number;
  /** Failure reasons (`HTTP 500`, `timeout`, ...) and how often. */
  failures: Record<string, number>;
  /** Accepted posts x connections of their room. */
  expectedDeliveries: number;
  /** Distinct (message, connection) pairs received among the expected ones. */
  delivered: number;
  lost: number;
  lostMessages: LostMessage[];
  /** Copies of accepted messages beyond the first per connection: removed by de-duplication. */
  duplicates: number;
  /** Connections outside the message's room that received it. */
  outside: number;
  /** Failed posts whose message reached connections anyway, and how many connections. */
  failedButDelivered: Array<{ seq: number; reason: string; members: number }>;
  /** Delivered messages that match no post, or whose messageId differs from the one the 202 named. */
  stray: number;
}

export function account(posts: readonly Post[], deliveries: readonly MessageDeliveries[], connectionsPerRoom: ReadonlyMap<string, number>): Ledger {
  const bySeq = new Map<number, MessageDeliveries[]>();
  let stray = 0;
  for (const d of deliveries) {
    if (d.seq === undefined) {
      stray += 1;
      continue;
    }
    const list = bySeq.get(d.seq) ?? [];
    list.push(d);
    bySeq.set(d.seq, list);
  }
  const ledger: Ledger = {
    posts: posts.length,
    accepted: 0,
    failed: 0,
    failures: {},
    expectedDeliveries: 0,
    delivered: 0,
    lost: 0,
    lostMessages: [],
    duplicates: 0,
    outside: 0,
    failedButDelivered: [],
    stray: 0,
  };
  const matched = new Set<MessageDeliveries>();
  for (const post of posts) {
    const received = bySeq.get(post.seq) ?? [];
    if (post.outcome.kind === 'failed') {
      ledger.failed += 1;
      ledger.failures[post.outcome.reason] = (ledger.failures[post.outcome.reason] ?? 0) + 1;
      // A failed POST has no messageId to check against: whatever arrived under its seq was its message.
      for (const d of received) matched.add(d);
      const members = received.reduce((sum, d) => sum + d.members, 0);
      if (members > 0) ledger.failedButDelivered.push({ seq: post.seq, reason: post.outcome.reason, members });
      continue;
    }
    ledger.accepted += 1;
    const expected = connectionsPerRoom.get(post.roomId);
    if (expected === undefined) throw new Error(`post ${post.seq} names room ${post.roomId}, which has no connections`);
    ledger.expectedDeliveries += expected;
    const { messageId } = post.outcome;
    const mine = received.find((d) => d.messageId === messageId && d.roomId === post.roomId);
    const members = mine?.members ?? 0;
    if (mine) {
      matched.add(mine);
      ledger.duplicates += mine.copies - mine.members;
      ledger.outside += mine.outside;
    }
    ledger.delivered += members;
    if (members < expected) {
      ledger.lost += expected - members;
      ledger.lostMessages.push({ seq: post.seq, messageId, roomId: post.roomId, missing: mine?.missing ?? 'all' });
    }
  }
  for (const d of deliveries) if (d.seq !== undefined && !matched.has(d)) stray += 1;
  ledger.stray = stray;
  return ledger;
}

/** Nearest-rank percentiles (p in 0..100) of `samples`, NaN when there are none. */
export function percentiles(samples: readonly number[], ps: readonly number[]): number[] {
  const sorted = Float64Array.from(samples).sort();
  return ps.map((p) => (sorted.length === 0 ? Number.NaN : sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!));
}

/** A time span a fault disturbed, wall-clock ms. */
export interface Window {
  from: number;
  to: number;
}

/**
 * POST-to-delivery latency of every first copy of an accepted message, split by whether the POST was sent inside one
 * of `disturbed` (a fault and the settling after it) or in calm.
 */
export function deliveryLatencies(
  posts: readonly Post[],
  deliveries: readonly MessageDeliveries[],
  disturbed: readonly Window[],
): { calm: number[]; disturbed: number[] } {
  const byMessageId = new Map(deliveries.map((d) => [d.messageId, d]));
  const result = { calm: [] as number[], disturbed: [] as number[] };
  for (const post of posts) {
    if (post.outcome.kind !== 'accepted') continue;
    const d = byMessageId.get(post.outcome.messageId);
    if (!d) continue;
    const bucket = disturbed.some((w) => post.postedAt >= w.from && post.postedAt <= w.to) ? result.disturbed : result.calm;
    for (const at of d.firstArrivals) bucket.push(at - post.postedAt);
  }
  return result;
}
