/** Unread counts as the page knows them. */
import { FakeRoomsApi, message, modelWith, stored } from './fake-rooms-api.test-support.js';
import { RoomStates } from './room-state.js';
import { addUnread, clearUnread, totalUnread, unreadAmong } from './unread.js';

describe('unread counts', () => {
  let api: FakeRoomsApi;
  beforeEach(() => {
    api = new FakeRoomsApi();
    api.rooms = [
      { roomId: 'general', name: 'General', role: 'member' },
      { roomId: 'ops', name: 'Ops', role: 'owner' },
    ];
  });

  it("counts unread messages of rooms that are not open, except the user's own, and clears them on open", async () => {
    const model = modelWith(api);
    await model.loadRooms();
    model.receive('general', message('general', 'hi bob'));
    model.receive('general', message('general', 'mine', 'bob'));
    model.receive('general', message('general', 'again'));
    expect(model.unread('general')).toBe(2);
    model.open('general');
    expect(model.unread('general')).toBe(0);
    model.receive('general', message('general', 'while open'));
    expect(model.unread('general')).toBe(0);
  });
});

describe('unread rules', () => {
  const from = (who: string) => stored(message('general', `from ${who}`, who));

  it("counts others' messages in a room that is not open, none in the open room", () => {
    expect(unreadAmong([from('alice'), from('bob'), from('carol')], 'bob', false)).toBe(2);
    expect(unreadAmong([from('alice')], 'bob', true)).toBe(0);
    expect(unreadAmong([], 'bob', false)).toBe(0);
  });

  it('totals the rooms in the list only (a room known by a message alone is not in the title yet)', () => {
    const states = new RoomStates();
    const general = states.ensure('general');
    general.summary = { roomId: 'general', name: 'General', role: 'member' };
    addUnread(general, 2);
    addUnread(states.ensure('unlisted'), 5);
    expect(addUnread(general, 0)).toBe(false);
    expect(totalUnread(states.all())).toBe(2);
    clearUnread(general);
    expect(totalUnread(states.all())).toBe(0);
  });
});
