import { RecentIds } from './dedup.js';
import { ConnectionStateMachine } from './state.js';

describe('ConnectionStateMachine', () => {
  it('ignores transitions the SDK cannot cause, and nothing leaves closed', () => {
    const machine = new ConnectionStateMachine();
    expect(machine.transition('resumed')).toBeUndefined();
    expect(machine.transition('connecting')).toEqual({ state: 'connecting', previous: 'idle' });
    expect(machine.transition('connected')).toEqual({ state: 'connected', previous: 'connecting' });
    expect(machine.transition('connecting')).toBeUndefined();
    expect(machine.transition('failed', 'CONNACK 5')).toEqual({ state: 'failed', previous: 'connected', detail: 'CONNACK 5' });
    expect(machine.transition('closed')).toEqual({ state: 'closed', previous: 'failed' });
    expect(machine.transition('connecting')).toBeUndefined();
    expect(machine.state).toBe('closed');
  });
});

describe('RecentIds', () => {
  it('forgets the oldest ids beyond its capacity', () => {
    const ids = new RecentIds(2);
    expect(ids.seen('a')).toBe(false);
    expect(ids.seen('b')).toBe(false);
    expect(ids.seen('a')).toBe(true);
    expect(ids.seen('c')).toBe(false);
    expect(ids.seen('a')).toBe(false);
  });
});
