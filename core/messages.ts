/**
 * The payloads published on the app's topics: what the Lambdas send and the browser client reads. Topic names live
 * in topics.ts; these are the message contracts.
 */

/** On `<app>/<stage>/rooms/<roomId>` (and on broadcast). */
export interface RoomMessage {
  type: 'message';
  /** Server-assigned; the browser de-duplicates QoS 1 redeliveries by it. */
  id: string;
  roomId: string;
  author: string;
  text: string;
  /** ISO 8601, server clock: the browser shows delivery latency from it. */
  sentAt: string;
}

export type JobStatus = 'running' | 'succeeded' | 'failed';

/** On `<app>/<stage>/users/<userId>/jobs/<jobId>`. */
export interface JobEvent {
  type: 'job';
  jobId: string;
  kind: string;
  status: JobStatus;
  step: number;
  steps: number;
  /** 0 to 100. */
  progress: number;
  at: string;
  result?: { summary: string };
  error?: string;
}
