/**
 * The aedes (1.2.0) and aedes-persistence (11.0.0) internals the adapter files reach: members the typings omit, and
 * the promise forms of the persistence that aedes 1.x calls. Only aedes-*.ts files import this.
 */
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import type { Client, Subscription } from 'aedes';
import type { AedesMemoryPersistence } from 'aedes-persistence';

// aedes-persistence is CommonJS whose `module.exports` is the factory; its typings model it as an ES default export.
export const createMemoryPersistence = createRequire(import.meta.url)('aedes-persistence') as () => AedesMemoryPersistence;

/** A packet as aedes' parser emits it, before aedes acts on it. */
export interface InboundPacket {
  cmd: string;
  subscriptions?: Subscription[];
  unsubscriptions?: string[];
}

/** A message as aedes routes it: `brokerCounter` numbers it, `messageId` is set only on a stored message being resent. */
export interface RoutedPacket {
  topic: string;
  brokerId?: string | null;
  brokerCounter?: number;
  messageId?: number;
}

/** Internal: `Aedes#clients` (connected clients by id) and `Aedes#persistence`, untyped in aedes' d.ts. */
export interface AedesInternals {
  clients: Record<string, Client | undefined>;
  persistence: PromisePersistence;
}

/** The promise forms of aedes-persistence that aedes 1.x calls (the d.ts only types the callback forms). */
export interface PromisePersistence {
  cleanSubscriptions(client: { id: string }): Promise<unknown>;
  removeSubscriptions(client: { id: string }, topics: string[]): Promise<unknown>;
  outgoingStream(client: { id: string }): Readable;
  outgoingEnqueue(sub: { clientId: string }, packet: RoutedPacket, ...rest: unknown[]): Promise<unknown>;
  outgoingEnqueueCombi(subs: Array<{ clientId: string; topic: string }>, packet: RoutedPacket, ...rest: unknown[]): Promise<unknown>;
  outgoingClearMessageId(client: { id: string }, packet: { messageId?: number | undefined }): Promise<unknown>;
  storeRetained(packet: { topic: string; payload: Buffer | string; qos?: number }, ...rest: unknown[]): Promise<unknown>;
  delWill(client: { id: string; brokerId?: string }): Promise<unknown>;
  createRetainedStreamCombi(patterns: string[]): Readable;
}

/** Internal: the client's parser, subscriptions by filter, will, and dedup counters, untyped in aedes' d.ts. */
export interface ClientInternals {
  _parser?: { prependListener(event: 'packet', listener: (packet: InboundPacket) => void): void };
  subscriptions: Record<string, unknown>;
  duplicates: Record<string, number>;
  will: unknown;
  [LAST_LIVE_DELIVERY]?: number;
}

export const LAST_LIVE_DELIVERY = Symbol('last live delivery');
