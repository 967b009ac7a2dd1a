/** The jobs panel: start a job, and watch its progress live from the job events on the user's topics. */
import type { StartJobRequest } from '../../core/contracts/jobs.js';
import type { JobEvent } from '../../core/contracts/mqtt.js';
import { h, toast } from './dom.js';

/** The demo's jobs: 5 steps of 300 ms, long enough to watch, short enough for the end-to-end suite. */
const DEMO_JOB = { steps: 5, stepMs: 300 };

/** Starts a job; rejects with an error whose message a person understands. */
export type StartJob = (job: StartJobRequest) => Promise<{ jobId: string }>;

export interface JobsPanel {
  element: HTMLElement;
  update(event: JobEvent): void;
}

/** Events may arrive out of order after a reconnect: a finished job never moves back, progress never goes down. */
function isStale(row: HTMLElement, event: JobEvent): boolean {
  if (row.dataset.status === 'succeeded' || row.dataset.status === 'failed') return true;
  return Number(row.dataset.progress ?? -1) > event.progress && event.status === 'running';
}

function statusLabel(event: JobEvent): string {
  if (event.status === 'failed') return `failed: ${event.error ?? ''}`;
  if (event.status === 'succeeded') return event.result?.summary ?? 'done';
  return `step ${event.step}/${event.steps}`;
}

function renderJob(row: HTMLElement, event: JobEvent): void {
  row.dataset.status = event.status;
  row.dataset.progress = String(event.progress);
  row.replaceChildren(
    h('span', { class: 'job-kind' }, event.kind),
    h('progress', { max: '100', value: String(event.progress), 'data-testid': 'job-progress' }),
    h('span', { class: `job-status job-${event.status}` }, `${event.progress}% ${statusLabel(event)}`),
  );
}

export function jobsPanel(startJob: StartJob): JobsPanel {
  const list = h('ul', { class: 'jobs', 'data-testid': 'jobs' });
  const rows = new Map<string, HTMLElement>();
  const update = (event: JobEvent) => {
    let row = rows.get(event.jobId);
    if (!row) {
      row = h('li', { class: 'job', 'data-testid': 'job', 'data-job-id': event.jobId });
      rows.set(event.jobId, row);
      list.prepend(row);
    }
    if (!isStale(row, event)) renderJob(row, event);
  };
  // Shown as running at once; the worker's events take over from there.
  const start = (kind: StartJobRequest['kind'], failAtStep?: number) =>
    startJob({ ...DEMO_JOB, kind, ...(failAtStep === undefined ? {} : { failAtStep }) }).then(
      ({ jobId }) => update({ type: 'job', jobId, kind, status: 'running', progress: 0, step: 0, steps: DEMO_JOB.steps, at: new Date().toISOString() }),
      (error: Error) => toast(error.message),
    );
  const element = h(
    'section',
    { class: 'panel' },
    h('h2', {}, 'Jobs'),
    h(
      'div',
      { class: 'actions' },
      h('button', { 'data-testid': 'start-job', onClick: () => void start('report') }, 'Start a report'),
      h('button', { class: 'ghost', 'data-testid': 'start-failing-job', onClick: () => void start('import', 3) }, 'Start a job that fails'),
    ),
    list,
  );
  return { element, update };
}
