/** The fan-out queue's message (SQS body): one room message and a batch of recipients whose inboxes get it. */
import * as v from 'valibot';
import { InboxMessageSchema } from './mqtt.js';

/** SQS bodies are at most 256 KiB: 100 recipients of at most 64 characters plus a message of at most 2000 fit easily. */
export const FANOUT_BATCH_SIZE = 100;

export const FanoutTaskSchema = v.object({
  message: InboxMessageSchema,
  recipients: v.pipe(v.array(v.string()), v.minLength(1), v.maxLength(FANOUT_BATCH_SIZE)),
});
export type FanoutTask = v.InferOutput<typeof FanoutTaskSchema>;
