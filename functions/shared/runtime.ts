/** What the Lambda runtime around a function provides and the local stack replaces: its log level and metrics sink. */
import type { LogLevel } from './logger.js';
import type { AppMetrics } from './metrics.js';

export interface FunctionRuntime {
  /** Unset: powertools' default (INFO). */
  logLevel?: LogLevel;
  /** Unset: powertools Metrics (deployed); the local stack counts in memory. */
  metrics?: AppMetrics;
}
