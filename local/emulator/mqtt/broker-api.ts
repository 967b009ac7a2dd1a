/** The broker's public types: its options, what it tells about published messages, and its retained-limit error. */
import type { Deployment } from '../../../core/deployment.js';
import type { LocalAccount } from '../account/account.js';
import type { EmulatorLogger } from '../log.js';
import type { BrokerPublish } from './aedes-adapter.js';
import type { IotLimits } from './limits.js';

export interface BrokerOptions {
  account: LocalAccount;
  deployment: Pick<Deployment, 'region' | 'accountId'>;
  limits: IotLimits;
  logger: EmulatorLogger;
  /** The endpoint host name DescribeEndpoint advertises; browsers sign it without the port. */
  advertisedHost: string;
  /** Browser origins that may open MQTT sockets (`*`: any); requests without `Origin` always may. */
  allowedOrigins: readonly string[];
  now?: () => Date;
}

/** A publish from the data plane, already authorized there. */
export type ServerPublish = BrokerPublish;

/** What `onPublished` tells about a message. `clientId`: the publishing client's; absent for the broker's own. */
export interface PublishedMeta {
  qos: number;
  retain: boolean;
  clientId?: string;
}

/** A retained publish over the retained-message limit (IoT answers it with a throttled response). */
export class RetainedLimitError extends Error {
  override readonly name = 'RetainedLimitError';
}
