/** The app's payloads as the demo reads them: checked against core/contracts/mqtt.ts, keyed for de-duplication. */
import * as v from 'valibot';
import { type AppPayload, AppPayloadSchema } from '../../core/contracts/mqtt.js';

/**
 * The identity of a payload for de-duplication of QoS 1 redeliveries: a room message by its server-assigned id, a room
 * event by its eventId, a read position by room and message, a job event by job, status and step (each step is
 * published once, so a repeat is a redelivery).
 */
export function payloadKey(_topic: string, json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const m = json as Record<string, unknown>;
  if (typeof m.eventId === 'string') return `event:${m.eventId}`;
  if (m.type === 'read' && typeof m.roomId === 'string' && typeof m.messageId === 'string') return `read:${m.roomId}:${m.messageId}`;
  if (typeof m.messageId === 'string') return `message:${m.messageId}`;
  if (typeof m.jobId === 'string') return `job:${m.jobId}:${String(m.status)}:${String(m.step)}`;
  return undefined;
}

/** The payload if it satisfies the contract; undefined otherwise (a malformed payload is dropped, never rendered). */
export function readPayload(json: unknown): AppPayload | undefined {
  const result = v.safeParse(AppPayloadSchema, json);
  return result.success ? result.output : undefined;
}
