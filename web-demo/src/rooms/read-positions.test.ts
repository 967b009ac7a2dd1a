/** Read positions kept on the server: counts from the list, the position sent once per burst of reads, other devices. */
import { ApiError } from '../api.js';
import { FakeRoomsApi, message, modelWith, settle, stored } from './fake-rooms-api.test-support.js';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('read positions', () => {
  let api: FakeRoomsApi;
  beforeEach(() => {
    api = new FakeRoomsApi();
  });

  it("starts from the server's counts and positions, so they survive a reload and follow the user to other devices", async () => {
    api.rooms = [
      { roomId: 'general', name: 'General', role: 'member', unread: 4, lastRead: { messageId: '01A', at: '2030-01-01T00:00:00.000Z' } },
      { roomId: 'busy', name: 'Busy', role: 'member', unread: 100, unreadMore: true },
    ];
    const model = modelWith(api);
    await model.loadRooms();
    expect([model.unread('general'), model.unreadMore('general')]).toEqual([4, false]);
    expect([model.unread('busy'), model.unreadMore('busy')]).toEqual([100, true]);
    expect([model.totalUnread(), model.totalUnreadMore()]).toEqual([104, true]);
    // A live message from someone else adds to the count.
    model.receive('general', message('general', 'news'));
    expect(model.unread('general')).toBe(5);
  });

  it('sends the newest message of the room being read as the position, once per burst, and not again when nothing is new', async () => {
    api.rooms = [{ roomId: 'general', name: 'General', role: 'member', unread: 2 }];
    const history = [message('general', 'one'), message('general', 'two')];
    api.messages.set('general', history.map(stored));
    const model = modelWith(api);
    await model.loadRooms();
    model.open('general');
    expect(model.unread('general')).toBe(0);
    await settle();
    await wait(10);
    expect(api.reads).toEqual([`general ${history[1]!.messageId}`]);
    const live = [message('general', 'three'), message('general', 'four')];
    for (const m of live) model.receive('general', m);
    await wait(10);
    expect(api.reads).toEqual([`general ${history[1]!.messageId}`, `general ${live[1]!.messageId}`]);
    model.open('general');
    await wait(10);
    expect(api.reads).toHaveLength(2);
  });

  it('leaves what arrives while the page is hidden unread until it is in view again', async () => {
    api.rooms = [{ roomId: 'general', name: 'General', role: 'member', unread: 0 }];
    const model = modelWith(api);
    await model.loadRooms();
    model.open('general');
    await settle();
    model.setPageVisible(false);
    const m = message('general', 'while away');
    model.receive('general', m);
    await wait(10);
    expect(model.unread('general')).toBe(1);
    expect(api.reads).toEqual([]);
    model.setPageVisible(true);
    await wait(10);
    expect(model.unread('general')).toBe(0);
    expect(api.reads).toEqual([`general ${m.messageId}`]);
  });

  it('lowers the count when another device read the room, never below what came after its position', async () => {
    api.rooms = [{ roomId: 'general', name: 'General', role: 'member', unread: 0 }];
    const model = modelWith(api);
    await model.loadRooms();
    const [a, b, c] = [message('general', 'a'), message('general', 'b'), message('general', 'c')];
    for (const m of [a, b, c]) model.receive('general', m);
    expect(model.unread('general')).toBe(3);
    expect(model.readElsewhere({ type: 'read', roomId: 'general', messageId: b.messageId, at: '2030-01-01T00:00:00.000Z' })).toBe(true);
    expect(model.unread('general')).toBe(1);
    // An older position changes nothing; a room the page does not list is not its business.
    model.readElsewhere({ type: 'read', roomId: 'general', messageId: a.messageId, at: '2030-01-01T00:00:00.000Z' });
    expect(model.unread('general')).toBe(1);
    expect(model.readElsewhere({ type: 'read', roomId: 'other', messageId: c.messageId, at: '' })).toBe(false);
    // Read up to the newest message elsewhere: nothing is unread here either.
    model.readElsewhere({ type: 'read', roomId: 'general', messageId: c.messageId, at: '2030-01-01T00:00:00.000Z' });
    expect(model.unread('general')).toBe(0);
  });

  it('closes the room when the server says the user is no longer a member', async () => {
    api.rooms = [{ roomId: 'general', name: 'General', role: 'member', unread: 0 }];
    api.messages.set('general', [stored(message('general', 'one'))]);
    const model = modelWith(api);
    await model.loadRooms();
    api.markRead = async () => {
      throw new ApiError('Not found: room general does not exist, or you are not a member of it', 404, 'not_found');
    };
    model.open('general');
    await settle();
    await wait(10);
    expect(model.room('general')).toBeUndefined();
    expect(model.closedRoom?.text).toBe('General no longer exists, or you are no longer a member of it.');
  });
});
