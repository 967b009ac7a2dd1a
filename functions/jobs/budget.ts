/**
 * How much work a job may declare: what one worker invocation can finish inside its timeout (functions/catalog.ts),
 * keeping a safety margin for the publishes around the work and for reporting a failure. The API refuses more at
 * POST /jobs; the worker holds every invocation to the same margin before its timeout.
 */
import { functionDefinition } from '../catalog.js';

export interface JobBudget {
  workerTimeoutMs: number;
  /** Kept in hand before the timeout: the last publishes, and telling the owner when a job has to be given up. */
  safetyMarginMs: number;
}

export const JOB_BUDGET: JobBudget = { workerTimeoutMs: functionDefinition('jobs-worker').timeoutSeconds * 1000, safetyMarginMs: 10_000 };

/** The most declared work (steps x stepMs) a job may have. */
export const maxJobWorkMs = (budget: JobBudget): number => budget.workerTimeoutMs - budget.safetyMarginMs;

/** The work a job declares: the time its steps take, excluding the publishes between them (the margin covers those). */
export const declaredWorkMs = (job: { steps: number; stepMs: number }): number => job.steps * job.stepMs;
