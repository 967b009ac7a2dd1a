/**
 * The jobs panel: start a job, and watch its progress live from the job events on the user's topics. Each row says
 * when the job started and finished (local time); a failed job's bar turns red with the reason; finished rows can be
 * cleared.
 */
import type { StartJobRequest } from '../../core/contracts/jobs.js';
import type { JobEvent } from '../../core/contracts/mqtt.js';
import { h } from './dom.js';
import { notify } from './notices.js';

/** The demo's jobs: 5 steps of 300 ms, long enough to watch, short enough for the end-to-end suite. */
const DEMO_JOB = { steps: 5, stepMs: 300 };

/** Starts a job; rejects with an error whose message a person understands. */
export type StartJob = (job: StartJobRequest) => Promise<{ jobId: string }>;

export interface JobsPanel {
  element: HTMLElement;
  update(event: JobEvent): void;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const localTime = (iso: string) => {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? '' : timeFormat.format(at);
};

const isFinished = (status: string | undefined) => status === 'succeeded' || status === 'failed';

/** Events may arrive out of order after a reconnect: a finished job never moves back, progress never goes down. */
function isStale(row: HTMLElement, event: JobEvent): boolean {
  if (isFinished(row.dataset.status)) return true;
  return Number(row.dataset.progress ?? -1) > event.progress && event.status === 'running';
}

function statusText(event: JobEvent): string {
  if (event.status === 'failed') return `Failed at ${localTime(event.at)}: ${event.error ?? 'no reason given'}`;
  if (event.status === 'succeeded') return `Done at ${localTime(event.at)}: ${event.result?.summary ?? 'finished'}`;
  return `${event.progress}% · step ${event.step} of ${event.steps}`;
}

function renderJob(row: HTMLElement, event: JobEvent): void {
  row.dataset.status = event.status;
  row.dataset.progress = String(event.progress);
  row.dataset.startedAt ??= event.at;
  const name = `${event.kind} job ${event.jobId.slice(-6)}`;
  row.replaceChildren(
    h(
      'div',
      { class: 'job-head' },
      h('span', { class: 'job-kind' }, event.kind),
      h('time', { class: 'muted small', datetime: row.dataset.startedAt }, `started ${localTime(row.dataset.startedAt)}`),
    ),
    h('progress', { max: '100', value: String(event.progress), 'aria-label': `${name} progress`, 'data-testid': 'job-progress' }),
    h('span', { class: `job-status job-${event.status}` }, statusText(event)),
  );
}

export function jobsPanel(startJob: StartJob): JobsPanel {
  const list = h('ul', { class: 'jobs', 'data-testid': 'jobs' });
  const rows = new Map<string, HTMLElement>();
  const empty = h('p', { class: 'muted small', 'data-testid': 'jobs-empty' }, 'Jobs run on the server; their progress arrives here live, on your own topic.');
  const clear = h('button', { type: 'button', class: 'ghost small-button', 'data-testid': 'clear-jobs', hidden: true }, 'Clear finished jobs');
  const drawControls = () => {
    empty.hidden = rows.size > 0;
    clear.hidden = ![...rows.values()].some((row) => isFinished(row.dataset.status));
  };
  clear.addEventListener('click', () => {
    for (const [jobId, row] of rows) {
      if (isFinished(row.dataset.status)) {
        row.remove();
        rows.delete(jobId);
      }
    }
    drawControls();
  });
  const update = (event: JobEvent) => {
    let row = rows.get(event.jobId);
    if (!row) {
      row = h('li', { class: 'job', 'data-testid': 'job', 'data-job-id': event.jobId });
      rows.set(event.jobId, row);
      list.prepend(row);
    }
    if (!isStale(row, event)) renderJob(row, event);
    drawControls();
  };
  // Shown as running at once; the worker's events take over from there.
  const start = (kind: StartJobRequest['kind'], failAtStep?: number) =>
    startJob({ ...DEMO_JOB, kind, ...(failAtStep === undefined ? {} : { failAtStep }) }).then(
      ({ jobId }) => update({ type: 'job', jobId, kind, status: 'running', progress: 0, step: 0, steps: DEMO_JOB.steps, at: new Date().toISOString() }),
      (error: Error) => notify(error.message),
    );
  const element = h(
    'section',
    { class: 'panel jobs-panel', 'aria-labelledby': 'jobs-heading' },
    h('h2', { id: 'jobs-heading' }, 'Jobs'),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', 'data-testid': 'start-job', onClick: () => void start('report') }, 'Start a report'),
      h('button', { type: 'button', class: 'ghost', 'data-testid': 'start-failing-job', onClick: () => void start('import', 3) }, 'Start a job that fails'),
    ),
    empty,
    list,
    clear,
  );
  return { element, update };
}
