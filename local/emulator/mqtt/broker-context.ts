/**
 * What the broker's per-packet handlers (handle-*.ts) share: the connection each client and upgrade request belongs
 * to, and the steps that judge its packets. Built once by broker.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { Client } from 'aedes';
import type { EmulatorLogger } from '../log.js';
import type { AedesAdapter } from './aedes-adapter.js';
import type { PolicyAuthorizer } from './authorizer.js';
import type { ConnectAuthenticator } from './connect.js';
import type { Connection } from './connection.js';
import type { LifecycleEvents } from './lifecycle.js';
import type { IotLimits } from './limits.js';
import type { PacketInspector } from './packet-inspector.js';
import type { PersistentSessions } from './sessions.js';

export interface BrokerContext {
  readonly adapter: AedesAdapter;
  readonly byRequest: WeakMap<IncomingMessage, Connection>;
  readonly byClient: WeakMap<Client, Connection>;
  readonly connect: ConnectAuthenticator;
  readonly policy: PolicyAuthorizer;
  readonly inspector: PacketInspector;
  readonly lifecycle: LifecycleEvents;
  readonly sessions: PersistentSessions;
  readonly limits: IotLimits;
  readonly logger: EmulatorLogger;
  /** The broker's own `canRetain` (the retained-message limit). */
  canRetain(topic: string, payloadBytes: number): boolean;
}
