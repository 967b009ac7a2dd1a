/**
 * The jobs panel: start a job, and watch its progress live from the job events on the user's topics. The latest jobs
 * come from the server when the page loads (GET /jobs), so a reload shows what ran and how it ended. Each row says when
 * the job started and finished (local time); a failed job's bar turns red with the reason in words and a Retry button
 * that runs it again; finished rows can be cleared from view.
 *
 * Starting never queues a job twice: each request carries an Idempotency-Key, kept while the same thing is asked for
 * again after a failure (a timeout, say), and a Retry's key is the failed job's own, so a second click, or another tab,
 * gets the same new job back.
 */
import type { JobList, JobRecord, JobState, StartJobRequest } from '../../core/contracts/jobs.js';
import type { JobEvent } from '../../core/contracts/mqtt.js';
import { h } from './dom.js';
import { newIdempotencyKey } from './idempotency-key.js';
import { notify } from './notices.js';

/** The demo's jobs: 5 steps of 300 ms, long enough to watch, short enough for the end-to-end suite. */
const DEMO_JOB = { steps: 5, stepMs: 300 };

/** The jobs API of the signed-in user; rejections carry a message a person understands. */
export interface JobsApi {
  start(job: StartJobRequest, options: { idempotencyKey: string }): Promise<{ jobId: string }>;
  list(): Promise<JobList>;
}

export interface JobsPanel {
  element: HTMLElement;
  update(event: JobEvent): void;
}

/** What the panel shows of one job: its record as the server keeps it, updated by the live events. */
type JobView = JobRecord;

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const localTime = (iso: string) => {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? '' : timeFormat.format(at);
};

const isFinished = (status: JobState | undefined) => status === 'succeeded' || status === 'failed';

/** Events and records may arrive out of order (a reconnect, a list read late): a finished job never moves back. */
function isStale(current: JobView | undefined, next: Pick<JobView, 'status' | 'progress'>): boolean {
  if (current === undefined) return false;
  if (isFinished(current.status)) return true;
  return current.progress > next.progress && !isFinished(next.status);
}

function statusText(job: JobView): string {
  if (job.status === 'failed') return `Failed at ${localTime(job.updatedAt)}: ${job.error ?? 'no reason was given'}`;
  if (job.status === 'succeeded') return `Done at ${localTime(job.updatedAt)}: ${job.result?.summary ?? 'finished'}`;
  if (job.status === 'queued') return 'Waiting in the queue';
  return `${job.progress}% · step ${job.step} of ${job.steps}`;
}

export function jobsPanel(api: JobsApi): JobsPanel {
  const list = h('ul', { class: 'jobs', 'data-testid': 'jobs' });
  const jobs = new Map<string, JobView>();
  const rows = new Map<string, HTMLLIElement>();
  /** Jobs cleared from view: a late event or list read does not bring them back. */
  const cleared = new Set<string>();
  /** Per start button, the key of a request that has not succeeded yet: asked again, it is the same request. */
  const pendingKeys = new Map<string, string>();
  /** Retries in flight, by the failed job's id. */
  const retrying = new Set<string>();
  const empty = h('p', { class: 'muted small', 'data-testid': 'jobs-empty' }, 'Jobs run on the server; their progress arrives here live, on your own topic.');
  const status = h('p', { class: 'muted small', 'data-testid': 'jobs-status' });
  const clear = h('button', { type: 'button', class: 'ghost small-button', 'data-testid': 'clear-jobs', hidden: true }, 'Clear finished jobs');

  const retriedBy = (jobId: string) => [...jobs.values()].find((j) => j.retryOf === jobId);
  const retry = (job: JobView) => {
    if (retrying.has(job.jobId)) return;
    retrying.add(job.jobId);
    draw(job.jobId);
    // Runs the job again as it was asked for, without the demo's injected failure. Its key is the failed job's own.
    api
      .start({ kind: job.kind as StartJobRequest['kind'], steps: job.steps, stepMs: job.stepMs, retryOf: job.jobId }, { idempotencyKey: `retry-${job.jobId}` })
      .then(
        ({ jobId }) => put(queued(jobId, job.kind, job.steps, job.stepMs, job.jobId)),
        (error: Error) => notify(`Could not retry the ${job.kind}: ${error.message}`),
      )
      .finally(() => {
        retrying.delete(job.jobId);
        draw(job.jobId);
      });
  };

  const renderRow = (row: HTMLLIElement, job: JobView) => {
    row.dataset.status = job.status;
    row.dataset.progress = String(job.progress);
    const name = `${job.kind} job ${job.jobId.slice(-6)}`;
    const retried = job.status === 'failed' ? retriedBy(job.jobId) : undefined;
    row.replaceChildren(
      h(
        'div',
        { class: 'job-head' },
        h('span', { class: 'job-kind' }, job.kind, job.retryOf ? h('span', { class: 'muted small' }, ' (retry)') : null),
        h('time', { class: 'muted small', datetime: job.requestedAt }, `started ${localTime(job.requestedAt)}`),
      ),
      h('progress', { max: '100', value: String(job.progress), 'aria-label': `${name} progress`, 'data-testid': 'job-progress' }),
      h('span', { class: `job-status job-${job.status}`, 'data-testid': 'job-status' }, statusText(job)),
      ...(job.status !== 'failed'
        ? []
        : retried
          ? [h('span', { class: 'muted small', 'data-testid': 'job-retried' }, 'Retried')]
          : [
              h(
                'button',
                {
                  type: 'button',
                  class: 'ghost small-button',
                  'data-testid': 'retry-job',
                  'aria-label': `Retry the ${name}`,
                  'aria-disabled': String(retrying.has(job.jobId)),
                  onClick: () => retry(job),
                },
                retrying.has(job.jobId) ? 'Retrying…' : 'Retry',
              ),
            ]),
    );
  };

  const drawControls = () => {
    empty.hidden = rows.size > 0;
    clear.hidden = ![...jobs.values()].some((job) => rows.has(job.jobId) && isFinished(job.status));
  };
  /** Redraws one job's row (creating it, newest first) and the failed job it retries. */
  const draw = (jobId: string) => {
    const job = jobs.get(jobId);
    if (!job || cleared.has(jobId)) return;
    let row = rows.get(jobId);
    if (!row) {
      row = h('li', { class: 'job', 'data-testid': 'job', 'data-job-id': jobId });
      rows.set(jobId, row);
      // Newest first: job ids are time-ordered.
      const after = [...rows.entries()].filter(([id]) => id < jobId && id !== jobId).sort(([a], [b]) => (a < b ? 1 : -1))[0]?.[1];
      if (after) list.insertBefore(row, after);
      else list.append(row);
    }
    renderRow(row, job);
    if (job.retryOf !== undefined && jobs.has(job.retryOf)) {
      const failed = rows.get(job.retryOf);
      if (failed) renderRow(failed, jobs.get(job.retryOf)!);
    }
    drawControls();
  };
  const put = (job: JobView) => {
    if (isStale(jobs.get(job.jobId), job)) return;
    jobs.set(job.jobId, { ...jobs.get(job.jobId), ...job });
    draw(job.jobId);
  };
  const queued = (jobId: string, kind: string, steps: number, stepMs: number, retryOf?: string): JobView => {
    const now = new Date().toISOString();
    return { jobId, kind, steps, stepMs, status: 'queued', step: 0, progress: 0, requestedAt: now, updatedAt: now, ...(retryOf ? { retryOf } : {}) };
  };

  clear.addEventListener('click', () => {
    for (const [jobId, row] of rows) {
      if (isFinished(jobs.get(jobId)?.status)) {
        row.remove();
        rows.delete(jobId);
        cleared.add(jobId);
      }
    }
    drawControls();
  });

  const update = (event: JobEvent) => {
    const known = jobs.get(event.jobId);
    put({
      jobId: event.jobId,
      kind: event.kind,
      steps: event.steps,
      stepMs: known?.stepMs ?? DEMO_JOB.stepMs,
      status: event.status,
      step: event.step,
      progress: event.progress,
      requestedAt: known?.requestedAt ?? event.at,
      updatedAt: event.at,
      ...(event.result ? { result: event.result } : {}),
      ...(event.error !== undefined ? { error: event.error } : {}),
      ...(known?.retryOf ? { retryOf: known.retryOf } : {}),
    });
  };

  const start = (kind: StartJobRequest['kind'], failAtStep?: number) => {
    const button = `${kind}:${failAtStep ?? ''}`;
    const key = pendingKeys.get(button) ?? newIdempotencyKey();
    pendingKeys.set(button, key);
    api.start({ ...DEMO_JOB, kind, ...(failAtStep === undefined ? {} : { failAtStep }) }, { idempotencyKey: key }).then(
      ({ jobId }) => {
        pendingKeys.delete(button);
        if (!jobs.has(jobId)) put(queued(jobId, kind, DEMO_JOB.steps, DEMO_JOB.stepMs));
      },
      (error: Error) => notify(error.message),
    );
  };

  const load = () => {
    status.replaceChildren('Loading your recent jobs…');
    api.list().then(
      ({ jobs: recent }) => {
        status.replaceChildren();
        // Oldest first, so each retry finds the job it retries drawn already.
        for (const job of [...recent].reverse()) put(job);
        drawControls();
      },
      (error: Error) =>
        status.replaceChildren(
          `Could not load your recent jobs: ${error.message} `,
          h('button', { type: 'button', class: 'ghost small-button', 'data-testid': 'retry-jobs-list', onClick: load }, 'Try again'),
        ),
    );
  };

  const element = h(
    'section',
    { class: 'panel jobs-panel', 'aria-labelledby': 'jobs-heading' },
    h('h2', { id: 'jobs-heading' }, 'Jobs'),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', 'data-testid': 'start-job', onClick: () => start('report') }, 'Start a report'),
      h('button', { type: 'button', class: 'ghost', 'data-testid': 'start-failing-job', onClick: () => start('import', 3) }, 'Start a job that fails'),
    ),
    status,
    empty,
    list,
    clear,
  );
  load();
  return { element, update };
}
