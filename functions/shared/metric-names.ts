/**
 * The app's own CloudWatch metrics (powertools, embedded metric format): their names, namespace and dimension, shared
 * by the functions that emit them and the alarms infra creates on them.
 */
export const METRIC_NAMES = [
  /** IoT data-plane publishes that succeeded. */
  'Publishes',
  /** IoT data-plane publishes that failed (throttled, unavailable, refused); alarmed. */
  'PublishFailures',
  /** Recipients of each room message (the fan-out size; its Sum is the inbox publishes the messages cost). */
  'FanoutRecipients',
  /** Requests refused with 401 (no, bad or expired token). */
  'Unauthorized',
  /** Requests refused with 403 (authenticated but not allowed, e.g. not a member). */
  'Forbidden',
  /** Requests refused with 429 by the per-user rate limit. */
  'RateLimited',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** One namespace per stage, so alarms of two stages in one account never mix. */
export const metricsNamespace = (d: { app: string; stage: string }): string => `${d.app}/${d.stage}`;

/** Powertools adds a `service` dimension to every metric; every function uses the same, so an alarm sees them all. */
export const metricsServiceName = (d: { app: string }): string => d.app;
