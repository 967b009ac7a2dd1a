/**
 * Sending: a message is shown at once as "sending", becomes the user's own message in the timeline when it comes
 * back through the inbox (its echo), or "not delivered" with a retry when the API refuses it or does not answer in
 * time. A message the API accepted whose echo does not come is "accepted", never "not delivered" (sending it again
 * would duplicate it).
 */
import type { StoredMessage } from '../../../core/contracts/rooms.js';
import { ApiError } from '../api.js';
import { messageOf, type Outgoing, type RoomsContext } from './types.js';

export class RoomSender {
  #nextLocalId = 1;

  constructor(private readonly ctx: RoomsContext) {}

  /** Messages sent from this page that have not come back yet, oldest first. */
  outbox(roomId: string): readonly Outgoing[] {
    return this.ctx.states.get(roomId)?.outbox ?? [];
  }

  /**
   * Sends a message: shown at once as sending; it joins the timeline when its echo comes back through the inbox, like
   * everyone else's messages. Never rejects: a refusal or a timeout is kept on the outgoing message, with its reason.
   */
  send(roomId: string, text: string): void {
    const outgoing: Outgoing = { localId: `local-${this.#nextLocalId++}`, text, status: 'sending' };
    const state = this.ctx.states.ensure(roomId);
    state.outbox = [...state.outbox, outgoing];
    this.ctx.emit({ kind: 'timeline', roomId });
    void this.#post(roomId, outgoing);
  }

  /** Sends a message that was not delivered again. */
  retry(roomId: string, localId: string): void {
    const outgoing = this.outbox(roomId).find((o) => o.localId === localId);
    if (outgoing?.status !== 'failed') return;
    outgoing.status = 'sending';
    delete outgoing.error;
    this.ctx.emit({ kind: 'timeline', roomId });
    void this.#post(roomId, outgoing);
  }

  /** Gives up on a message that was not delivered. */
  discard(roomId: string, localId: string): void {
    this.#remove(roomId, (o) => o.localId === localId && o.status === 'failed');
  }

  /** The user's own messages came back (through the inbox or with the history): their outgoing copies are done. */
  echoed(roomId: string, messages: readonly StoredMessage[]): void {
    for (const message of messages) {
      const outbox = this.outbox(roomId);
      // By id once the API answered; before that (an echo faster than the answer), the oldest sending one with its text.
      const match =
        outbox.find((o) => o.messageId === message.messageId) ??
        outbox.find((o) => o.status === 'sending' && o.messageId === undefined && o.text.trim() === message.text.trim());
      if (match) this.#remove(roomId, (o) => o === match);
    }
  }

  async #post(roomId: string, outgoing: Outgoing): Promise<void> {
    const timeoutMs = this.ctx.options.sendTimeoutMs;
    const state = this.ctx.states.ensure(roomId);
    const late = setTimeout(() => {
      state.echoTimers.delete(outgoing);
      // Accepted, but its echo did not come: the live connection is likely down. Sending again would duplicate it.
      if (outgoing.status === 'sending' && outgoing.messageId !== undefined && this.outbox(roomId).includes(outgoing)) {
        outgoing.status = 'accepted';
        this.ctx.emit({ kind: 'timeline', roomId });
      }
    }, timeoutMs);
    state.echoTimers.set(outgoing, late);
    try {
      const accepted = await this.ctx.api.postMessage(roomId, outgoing.text, AbortSignal.timeout(timeoutMs));
      outgoing.messageId = accepted.messageId;
      // The echo may have come before the answer.
      if (this.ctx.states.get(roomId)?.timeline.has(accepted.messageId)) this.#remove(roomId, (o) => o === outgoing);
    } catch (error) {
      clearTimeout(late);
      state.echoTimers.delete(outgoing);
      outgoing.status = 'failed';
      outgoing.error =
        error instanceof ApiError && error.code === 'timeout'
          ? `no answer from the server within ${Math.round(timeoutMs / 1000)} s; it may not have been sent`
          : messageOf(error);
      this.ctx.emit({ kind: 'timeline', roomId });
    }
  }

  #remove(roomId: string, which: (o: Outgoing) => boolean): void {
    const state = this.ctx.states.get(roomId);
    if (!state) return;
    const before = state.outbox;
    const after = before.filter((o) => !which(o));
    if (after.length === before.length) return;
    for (const gone of before.filter(which)) {
      clearTimeout(state.echoTimers.get(gone));
      state.echoTimers.delete(gone);
    }
    state.outbox = after;
    this.ctx.emit({ kind: 'timeline', roomId });
  }
}
