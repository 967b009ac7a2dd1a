/** One record per room: forgetting a room is one deletion, and stops its timers. */
import { RoomStates } from './room-state.js';

describe('RoomStates', () => {
  it('creates a room record once, lists only rooms with a list entry, and forgets a room with its timers', async () => {
    const states = new RoomStates();
    const general = states.ensure('general');
    expect(states.ensure('general')).toBe(general);
    states.ensure('ops').summary = { roomId: 'ops', name: 'Ops', role: 'owner' };
    expect(states.listed().map((s) => s.roomId)).toEqual(['ops']);

    let fired = false;
    general.echoTimers.set(
      { localId: 'local-1', key: 'k1', text: 'x', status: 'sending' },
      setTimeout(() => {
        fired = true;
      }, 10),
    );
    states.forget('general');
    expect(states.get('general')).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(fired).toBe(false);
    expect(states.ensure('general').timeline.size).toBe(0); // a new, empty record
  });

  it('stops every timer when the page goes away', async () => {
    const states = new RoomStates();
    let fired = 0;
    for (const roomId of ['a', 'b'])
      states.ensure(roomId).echoTimers.set(
        { localId: roomId, key: roomId, text: roomId, status: 'sending' },
        setTimeout(() => (fired += 1), 10),
      );
    states.stopAll();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(fired).toBe(0);
  });
});
