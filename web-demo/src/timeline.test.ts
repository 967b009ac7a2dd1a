import type { StoredMessage } from '../../core/contracts/rooms.js';
import { newSortableId } from '../../core/ids.js';
import { Timeline } from './timeline.js';

const at = (ms: number, text: string): StoredMessage => ({
  messageId: newSortableId(Date.UTC(2030, 0, 1) + ms),
  roomId: 'general',
  from: 'alice',
  text,
  sentAt: new Date(Date.UTC(2030, 0, 1) + ms).toISOString(),
});

const texts = (timeline: Timeline) => timeline.messages().map((m) => m.text);

describe('Timeline (history and live messages of one room)', () => {
  it('keeps messages in messageId order whatever order they arrive in', () => {
    const timeline = new Timeline();
    const [m1, m2, m3, m4] = [at(1, 'one'), at(2, 'two'), at(3, 'three'), at(4, 'four')];
    timeline.add(m3);
    timeline.add(m1);
    timeline.add(m4);
    timeline.add(m2);
    expect(texts(timeline)).toEqual(['one', 'two', 'three', 'four']);
  });

  it('shows a message once, however often it arrives (redelivery, or in history and live)', () => {
    const timeline = new Timeline();
    const m = at(1, 'once');
    expect(timeline.add(m)).toBe(true);
    expect(timeline.add({ ...m })).toBe(false);
    expect(timeline.addPage([m, at(2, 'later')])).toBe(1);
    expect(texts(timeline)).toEqual(['once', 'later']);
    expect(timeline.size).toBe(2);
  });

  it('merges live messages that came before the history page with it', () => {
    const timeline = new Timeline();
    const history = [at(1, 'old 1'), at(2, 'old 2'), at(3, 'both')];
    timeline.add(at(4, 'live'));
    timeline.add(history[2]!); // live copy of a message the page also has
    timeline.addPage(history);
    expect(texts(timeline)).toEqual(['old 1', 'old 2', 'both', 'live']);
  });

  it('puts an older page before what is there', () => {
    const timeline = new Timeline();
    timeline.addPage([at(10, 'newer 1'), at(11, 'newer 2')]);
    timeline.addPage([at(1, 'older 1'), at(2, 'older 2')]);
    expect(texts(timeline)).toEqual(['older 1', 'older 2', 'newer 1', 'newer 2']);
  });

  it('keeps its own copy: changing the object given does not change what is shown', () => {
    const timeline = new Timeline();
    const m = { ...at(1, 'original'), type: 'message' };
    timeline.add(m);
    m.text = 'changed';
    expect(texts(timeline)).toEqual(['original']);
    expect(timeline.messages()[0]).not.toHaveProperty('type');
  });
});
