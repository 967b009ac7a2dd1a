/** A room's history: merged with live messages, older pages, and catching up after a reconnection. */
import { ApiError } from '../api.js';
import { RoomsModel } from '../rooms-model.js';
import { FakeRoomsApi, message, modelWith, settle, stored, texts } from './fake-rooms-api.test-support.js';

describe('history', () => {
  let api: FakeRoomsApi;
  beforeEach(() => {
    api = new FakeRoomsApi();
    api.rooms = [
      { roomId: 'general', name: 'General', role: 'member' },
      { roomId: 'ops', name: 'Ops', role: 'owner' },
    ];
  });

  it('keeps messages that arrive before the room is open or its history loaded, and merges them with the history once', async () => {
    const model = modelWith(api);
    const old = [message('general', 'old 1'), message('general', 'old 2')];
    const early = message('general', 'early live'); // in the inbox before the page loaded, and in the history too
    api.messages.set('general', [...old, early].map(stored));
    expect(model.receive('general', early)).toBe(true);
    expect(model.receive('general', early)).toBe(false); // a QoS 1 redelivery
    model.open('general');
    const later = message('general', 'live after');
    model.receive('general', later);
    await settle();
    expect(texts(model, 'general')).toEqual(['old 1', 'old 2', 'early live', 'live after']);
    expect(model.timeline('general').history).toEqual({ status: 'loaded' });
    expect(api.calls.filter((c) => c.startsWith('history'))).toEqual(['history general']);
  });

  it('pages older history with the cursor the API gave, and retries a failed page with the same cursor', async () => {
    const model = modelWith(api);
    const all = Array.from({ length: 7 }, (_, i) => message('general', `m${i + 1}`));
    api.messages.set('general', all.map(stored));
    await model.loadHistory('general');
    expect(texts(model, 'general')).toEqual(['m5', 'm6', 'm7']);
    const firstCursor = all[4]!.messageId;
    expect(model.timeline('general').history).toEqual({ status: 'loaded', older: firstCursor });
    api.failNext = new ApiError('The service had a problem (503): busy; try again shortly', 503);
    await model.loadOlder('general');
    expect(model.timeline('general').history).toEqual({
      status: 'failed',
      error: 'The service had a problem (503): busy; try again shortly',
      older: firstCursor,
    });
    await model.retryHistory('general');
    expect(texts(model, 'general')).toEqual(['m2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    await model.loadOlder('general');
    expect(texts(model, 'general')).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    expect(model.timeline('general').history).toEqual({ status: 'loaded' });
  });
});

describe('catching up after a reconnection', () => {
  let api: FakeRoomsApi;
  beforeEach(() => {
    api = new FakeRoomsApi();
    api.rooms = [
      { roomId: 'general', name: 'General', role: 'member' },
      { roomId: 'ops', name: 'Ops', role: 'member' },
    ];
  });

  it('adds what was missed in loaded rooms once and in order, counts it unread where the room is not open, and leaves unloaded rooms alone', async () => {
    const model = modelWith(api);
    await model.loadRooms();
    const seen = [message('general', 'g1'), message('general', 'g2')];
    api.messages.set('general', seen.map(stored));
    const o1 = stored(message('ops', 'o1'));
    api.messages.set('ops', [o1]);
    model.open('ops');
    await settle();
    model.open('general');
    await settle();
    model.connectionLost();
    const missedGeneral = [
      message('general', 'g3', 'alice'),
      message('general', 'g4', 'bob'),
      message('general', 'g5', 'alice'),
      message('general', 'g6', 'alice'),
    ];
    const missedOps = [message('ops', 'o2', 'alice'), message('ops', 'o3', 'alice')];
    api.messages.set('general', [...seen, ...missedGeneral].map(stored));
    api.messages.set('ops', [o1, ...missedOps.map(stored)]);
    // One of them did arrive live meanwhile (the persistent session replayed it): it is not added twice.
    model.receive('general', missedGeneral[3]!);
    api.calls = [];
    await model.catchUp();
    expect(texts(model, 'general')).toEqual(['g1', 'g2', 'g3', 'g4', 'g5', 'g6']);
    expect(texts(model, 'ops')).toEqual(['o1', 'o2', 'o3']);
    expect(model.unread('ops')).toBe(2);
    expect(model.unread('general')).toBe(0);
    // ops: one page; general: two pages of 3 until it reached g2 (g6, replayed live, is no stop). Rooms in any order.
    expect(api.calls.filter((c) => c.startsWith('history ops'))).toEqual(['history ops']);
    expect(api.calls.filter((c) => c.startsWith('history general'))).toEqual(['history general', expect.stringMatching(/^history general before /)]);
  });

  it('starts a room afresh when more was missed than it reads, so no gap stays between old and new messages', async () => {
    const model = new RoomsModel(api, 'bob', { historyPageSize: 2, maxCatchUpPages: 2 });
    const old = stored(message('general', 'old'));
    api.messages.set('general', [old]);
    model.open('general');
    await settle();
    model.connectionLost();
    const missed = Array.from({ length: 7 }, (_, i) => stored(message('general', `new ${i + 1}`, 'alice')));
    api.messages.set('general', [old, ...missed]);
    await model.catchUp();
    expect(texts(model, 'general')).toEqual(['new 6', 'new 7']);
    expect(model.timeline('general').history).toMatchObject({ status: 'loaded', older: expect.any(String) });
  });
});
