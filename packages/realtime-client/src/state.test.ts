import { RecentIds } from './dedup.js';
import { ConnectionStateMachine } from './state.js';

describe('ConnectionStateMachine', () => {
  it('ignores moves that make no sense, and nothing leaves closed', () => {
    const machine = new ConnectionStateMachine();
    expect(machine.transition('reconnecting')).toBeUndefined();
    expect(machine.transition('connecting')).toEqual({ state: 'connecting', previous: 'idle' });
    expect(machine.transition('connected', { sessionPresent: false })).toEqual({ state: 'connected', previous: 'connecting', sessionPresent: false });
    expect(machine.transition('connecting')).toBeUndefined();
    expect(machine.transition('failed', { detail: 'refused' })).toEqual({ state: 'failed', previous: 'connected', detail: 'refused' });
    expect(machine.transition('closed')).toEqual({ state: 'closed', previous: 'failed' });
    expect(machine.transition('connecting')).toBeUndefined();
    expect(machine.state).toBe('closed');
  });

  it('reports a move to the same state only when what it says changed', () => {
    const machine = new ConnectionStateMachine();
    machine.transition('connecting');
    machine.transition('connected');
    expect(machine.transition('reconnecting', { detail: 'closed', attempt: 1, retryAt: 10 })).toMatchObject({ attempt: 1 });
    expect(machine.transition('reconnecting', { detail: 'closed', attempt: 1, retryAt: 10 })).toBeUndefined();
    expect(machine.transition('reconnecting', { detail: 'closed', attempt: 2, retryAt: 20 })).toEqual({
      state: 'reconnecting',
      previous: 'reconnecting',
      detail: 'closed',
      attempt: 2,
      retryAt: 20,
    });
    expect(machine.transition('connected')).toEqual({ state: 'connected', previous: 'reconnecting' });
    expect(machine.transition('connected')).toBeUndefined();
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
