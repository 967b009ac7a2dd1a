/** The model as views use it: inbox messages routed to their room, and a room forgotten whole. */
import { FakeRoomsApi, message, modelWith, settle, stored } from './rooms/fake-rooms-api.test-support.js';

describe('RoomsModel', () => {
  let api: FakeRoomsApi;
  beforeEach(() => {
    api = new FakeRoomsApi();
    api.rooms = [
      { roomId: 'general', name: 'General', role: 'member' },
      { roomId: 'ops', name: 'Ops', role: 'owner' },
    ];
  });

  it('ignores an inbox message whose payload names another room than its topic', () => {
    const model = modelWith(api);
    expect(model.receive('general', message('ops', 'misrouted'))).toBe(false);
    expect(model.timeline('general').size).toBe(0);
    expect(model.timeline('ops').size).toBe(0);
  });

  it('forgets every part of a room the user leaves: messages, unread count, members, presence, messages being sent, catch-up anchor', async () => {
    const model = modelWith(api, 'alice');
    api.members.set('ops', [
      { userId: 'alice', displayName: 'alice', role: 'owner', online: false },
      { userId: 'bob', displayName: 'bob', role: 'member', online: false },
    ]);
    api.online.set('ops', ['bob']);
    api.messages.set('ops', [stored(message('ops', 'before', 'bob'))]);
    await model.loadRooms();
    model.open('ops');
    await settle();
    model.open('general');
    model.receive('ops', message('ops', 'unread one', 'bob'));
    api.postOutcome = 'hang';
    model.send('ops', 'never answered');
    model.connectionLost();
    api.postOutcome = 'store';
    await model.leave('ops');

    expect(model.room('ops')).toBeUndefined();
    expect(model.timeline('ops').size).toBe(0);
    expect(model.unread('ops')).toBe(0);
    expect(model.members('ops').status).toBe('not-loaded');
    expect(model.presence('ops').status).toBe('not-loaded');
    expect(model.outbox('ops')).toEqual([]);
    expect(model.totalUnread()).toBe(0);
    api.calls = [];
    await model.catchUp();
    expect(api.calls.filter((c) => c.includes('ops'))).toEqual([]);
    model.close();
  });
});
