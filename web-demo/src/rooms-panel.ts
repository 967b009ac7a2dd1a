/**
 * The rooms panel: one live message list per room, and a composer when the user may post. Room messages reach each
 * member's own inbox topic, so a room appears here with its first message (the API's room list is not read yet).
 */
import type { InboxMessage } from '../../core/contracts/mqtt.js';
import { h, toast } from './dom.js';
import { type MessageList, messageList } from './message-list.js';

/** Posts a message to a room; rejects with an error whose message a person understands. */
export type SendToRoom = (roomId: string, text: string) => Promise<unknown>;

export interface RoomsPanel {
  element: HTMLElement;
  /** Shows the message in its room's list (adding the room if new) and returns its latency. */
  show(roomId: string, message: InboxMessage): number;
}

function composer(roomId: string, send: SendToRoom): HTMLFormElement {
  const input = h('input', { placeholder: `Message #${roomId}`, maxlength: '2000', 'aria-label': `Message #${roomId}`, 'data-testid': `input-${roomId}` });
  const onSubmit = (e: Event) => {
    e.preventDefault();
    const text = input.value;
    if (text.trim() === '') return;
    input.value = '';
    send(roomId, text).catch((error: Error) => {
      input.value = text; // nothing is lost: the user can send it again
      toast(error.message);
    });
  };
  return h('form', { class: 'composer', onSubmit }, input, h('button', { type: 'submit', 'data-testid': `send-${roomId}` }, 'Send'));
}

/** `send` is absent for users who may only read (Cognito identities). */
export function roomsPanel(send?: SendToRoom): RoomsPanel {
  const lists = new Map<string, MessageList>();
  const empty = h('p', { class: 'muted', 'data-testid': 'no-rooms' }, 'You are not in any room yet.');
  const element = h('section', { class: 'panel rooms' }, h('h2', {}, 'Rooms'), empty);
  const roomList = (roomId: string): MessageList => {
    const existing = lists.get(roomId);
    if (existing) return existing;
    const list = messageList(`room-${roomId}`);
    lists.set(roomId, list);
    empty.remove();
    element.append(h('div', { class: 'room' }, h('h3', {}, `#${roomId}`), list.element, send ? composer(roomId, send) : null));
    return list;
  };
  return { element, show: (roomId, message) => roomList(roomId).append(message) };
}
