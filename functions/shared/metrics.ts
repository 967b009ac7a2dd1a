/**
 * The metrics port: functions count what happens (publishes, fan-out sizes, denials) through an injected sink, so the
 * cores and handlers stay testable without AWS. Deployed, the sink is powertools Metrics (EMF lines in the function's
 * log, which CloudWatch turns into metrics); locally and in tests it counts in memory.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import { type MetricName, metricsNamespace, metricsServiceName } from './metric-names.js';
import type { Publisher } from './ports.js';

export interface AppMetrics {
  count(name: MetricName, value?: number): void;
  /** Emits what was counted during the invocation (called once per invocation by `flushMetrics`). */
  flush(): void;
}

export const noMetrics: AppMetrics = { count: () => undefined, flush: () => undefined };

export function powertoolsMetrics(d: { app: string; stage: string }): AppMetrics {
  const metrics = new Metrics({ namespace: metricsNamespace(d), serviceName: metricsServiceName(d) });
  // Powertools warns on every flush without metrics; most invocations count nothing.
  let pending = false;
  return {
    count(name, value = 1) {
      metrics.addMetric(name, MetricUnit.Count, value);
      pending = true;
    },
    flush() {
      if (!pending) return;
      pending = false;
      metrics.publishStoredMetrics();
    },
  };
}

/** Totals kept in memory: the local stack's sink (readable by tests) and the unit tests' recorder. */
export function memoryMetrics(): AppMetrics & { readonly totals: Partial<Record<MetricName, number>> } {
  const totals: Partial<Record<MetricName, number>> = {};
  return {
    totals,
    count(name, value = 1) {
      totals[name] = (totals[name] ?? 0) + value;
    },
    flush: () => undefined,
  };
}

/** Middy: flushes the invocation's metrics after the handler, whether it answered or failed. */
export function flushMetrics<E, R>(metrics: AppMetrics): MiddlewareObj<E, R> {
  return {
    after: () => metrics.flush(),
    onError: () => metrics.flush(),
  };
}

/** A publisher that counts its successes and failures (the failures are alarmed in infra). */
export function countingPublisher(publisher: Publisher, metrics: AppMetrics): Publisher {
  return {
    async publish(topic, payload, qos) {
      try {
        await publisher.publish(topic, payload, qos);
      } catch (error) {
        metrics.count('PublishFailures');
        throw error;
      }
      metrics.count('Publishes');
    },
  };
}
