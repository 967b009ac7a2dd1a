/**
 * Sending: a message is shown at once as "sending", becomes the user's own message in the timeline when it comes
 * back through the inbox (its echo), or "not delivered" with a retry when the API refuses it or does not answer in
 * time. A message the API accepted whose echo does not come is "accepted", never "not delivered" (sending it again
 * would duplicate it). A message written while the device is offline, or whose request failed because the device
 * went offline, is "queued": it is sent when the network is back, once, with no click, and a room's queue is sent one
 * message after another so that they arrive in the order written.
 *
 * Every message carries an Idempotency-Key chosen when it was written and sent with every attempt (the queue's, and
 * "Send again"), so the API returns the original message instead of a second one. A refusal no retry can change (403,
 * 404, 400, 413) offers no "Send again"; a 404 means the room is gone for the user, and it closes (closed-rooms.ts).
 */
import type { StoredMessage } from '../../../core/contracts/rooms.js';
import { ApiError } from '../api.js';
import { newIdempotencyKey } from '../idempotency-key.js';
import { messageOf, type Outgoing, type RoomsContext } from './types.js';

/** Refusals that no retry changes: 400 bad request, 403 not allowed, 404 no such room (or not a member), 413 too long. */
const PERMANENT_REFUSALS = new Set([400, 403, 404, 413]);

/** A queue that missed the network's return is sent this long after (ms). */
const FLUSH_DELAY_MS = 1000;

export class RoomSender {
  #nextLocalId = 1;
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** Per room, the last post of a queue being sent: the next one waits for it. */
  readonly #turns = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: RoomsContext,
    private readonly newKey: () => string = newIdempotencyKey,
  ) {}

  /** Messages sent from this page that have not come back yet, oldest first. */
  outbox(roomId: string): readonly Outgoing[] {
    return this.ctx.states.get(roomId)?.outbox ?? [];
  }

  /**
   * Sends a message: shown at once as sending (queued while offline); it joins the timeline when its echo comes back
   * through the inbox, like everyone else's messages. Never rejects: a refusal or a timeout is kept on the outgoing
   * message, with its reason.
   */
  send(roomId: string, text: string): void {
    const outgoing: Outgoing = { localId: `local-${this.#nextLocalId++}`, key: this.newKey(), text, status: 'sending' };
    const state = this.ctx.states.ensure(roomId);
    state.outbox = [...state.outbox, outgoing];
    this.#attempt(roomId, outgoing);
  }

  /** Sends a message that was not delivered again (with its own key). */
  retry(roomId: string, localId: string): void {
    const outgoing = this.outbox(roomId).find((o) => o.localId === localId);
    if (outgoing?.status !== 'failed' || outgoing.permanent) return;
    this.#attempt(roomId, outgoing);
  }

  /** Gives up on a message that was not delivered, or that waits for the network. */
  discard(roomId: string, localId: string): void {
    this.#remove(roomId, (o) => o.localId === localId && (o.status === 'failed' || o.status === 'queued'));
  }

  /** The network is back: every queued message is sent, each once, one after another in the order written. */
  networkBack(): void {
    for (const state of this.ctx.states.all()) {
      const queued = state.outbox.filter((o) => o.status === 'queued');
      if (queued.length === 0) continue;
      for (const outgoing of queued) outgoing.status = 'sending';
      this.ctx.emit({ kind: 'timeline', roomId: state.roomId });
      for (const outgoing of queued) this.#inTurn(state.roomId, outgoing);
    }
  }

  /** The page is going away: no more sends. */
  close(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
  }

  #flushSoon(): void {
    this.#flushTimer ??= setTimeout(() => {
      this.#flushTimer = undefined;
      if (!this.ctx.closed() && this.ctx.network.online()) this.networkBack();
    }, FLUSH_DELAY_MS);
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

  /**
   * Posts now (after the room's queue, while one is being sent, so that order is kept), or queues while the browser
   * says the device is offline (nothing could leave it).
   */
  #attempt(roomId: string, outgoing: Outgoing): void {
    delete outgoing.error;
    delete outgoing.permanent;
    outgoing.status = this.ctx.network.online() ? 'sending' : 'queued';
    this.ctx.emit({ kind: 'timeline', roomId });
    if (outgoing.status !== 'sending') return;
    if (this.#turns.has(roomId)) this.#inTurn(roomId, outgoing);
    else void this.#post(roomId, outgoing);
  }

  /** Posts after the room's previous message in turn has been answered; offline by then, it waits again. */
  #inTurn(roomId: string, outgoing: Outgoing): void {
    const previous = this.#turns.get(roomId) ?? Promise.resolve();
    const turn = previous.then(() => {
      if (outgoing.status !== 'sending' || !this.outbox(roomId).includes(outgoing) || this.ctx.closed()) return;
      if (!this.ctx.network.online()) {
        outgoing.status = 'queued';
        this.ctx.emit({ kind: 'timeline', roomId });
        return;
      }
      return this.#post(roomId, outgoing);
    });
    this.#turns.set(roomId, turn);
    void turn.finally(() => {
      if (this.#turns.get(roomId) === turn) this.#turns.delete(roomId);
    });
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
      const accepted = await this.ctx.api.postMessage(roomId, outgoing.text, { signal: AbortSignal.timeout(timeoutMs), idempotencyKey: outgoing.key });
      outgoing.messageId = accepted.messageId;
      // The echo may have come before the answer.
      if (this.ctx.states.get(roomId)?.timeline.has(accepted.messageId)) this.#remove(roomId, (o) => o === outgoing);
    } catch (error) {
      clearTimeout(late);
      state.echoTimers.delete(outgoing);
      if (error instanceof ApiError && error.code === 'offline') {
        // The request could not leave the device: it waits for the network (and goes with the same key). Should the
        // network have come back in between, its event has passed: the queue is sent a moment later.
        outgoing.status = 'queued';
        if (this.ctx.network.online()) this.#flushSoon();
      } else {
        outgoing.status = 'failed';
        outgoing.error =
          error instanceof ApiError && error.code === 'timeout'
            ? `no answer from the server within ${Math.round(timeoutMs / 1000)} s; it may not have been sent`
            : messageOf(error);
        // Refused for good (not allowed, no such room, not acceptable): sending it again would be refused again.
        if (error instanceof ApiError && PERMANENT_REFUSALS.has(error.status)) outgoing.permanent = true;
      }
      this.ctx.emit({ kind: 'timeline', roomId });
      // 404: the room is gone for this user (removed, deleted): it closes, saying so, with what was not sent.
      if (error instanceof ApiError && error.status === 404) this.ctx.close(roomId, { kind: 'gone' });
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
