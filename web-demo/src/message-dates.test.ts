import { dayKey, dayLabel, GROUP_WITHIN_MS, groupsWith } from './message-dates.js';

// Local times: the runtime's time zone, as the page uses it.
const at = (y: number, m: number, d: number, h = 12, min = 0) => new Date(y, m - 1, d, h, min);
const now = at(2030, 3, 14, 9, 30); // a Thursday

describe('day separators', () => {
  it('names today, yesterday, the weekdays of the past week, then the date (with the year when it is another)', () => {
    expect(dayLabel(at(2030, 3, 14, 0, 1), now, 'en-US')).toBe('Today');
    expect(dayLabel(at(2030, 3, 13, 23, 59), now, 'en-US')).toBe('Yesterday');
    expect(dayLabel(at(2030, 3, 11), now, 'en-US')).toBe('Monday');
    expect(dayLabel(at(2030, 3, 8), now, 'en-US')).toBe('Friday'); // six days ago
    expect(dayLabel(at(2030, 3, 7), now, 'en-US')).toBe('Thursday, March 7');
    expect(dayLabel(at(2029, 12, 31), now, 'en-US')).toBe('Monday, December 31, 2029');
  });

  it('keys a day by its local calendar date, and has no day for an invalid time', () => {
    expect(dayKey(at(2030, 3, 14, 0, 0))).toBe('2030-03-14');
    expect(dayKey(at(2030, 3, 14, 23, 59))).toBe('2030-03-14');
    expect(dayKey(new Date('not a date'))).toBeUndefined();
  });

  it('dates a message from a clock ahead of this one, instead of calling it today', () => {
    expect(dayLabel(at(2030, 3, 15), now, 'en-US')).toBe('Friday, March 15');
  });
});

describe('grouping', () => {
  const msg = (from: string, date: Date) => ({ from, sentAt: date.toISOString() });

  it('groups consecutive messages of one author within five minutes on the same day', () => {
    expect(groupsWith(msg('alice', at(2030, 3, 14, 9, 0)), msg('alice', at(2030, 3, 14, 9, 5)))).toBe(true);
    expect(GROUP_WITHIN_MS).toBe(300_000);
  });

  it('does not group other authors, longer gaps, another day, out-of-order times, invalid times or the first message', () => {
    expect(groupsWith(msg('alice', at(2030, 3, 14, 9, 0)), msg('bob', at(2030, 3, 14, 9, 1)))).toBe(false);
    expect(groupsWith(msg('alice', at(2030, 3, 14, 9, 0)), msg('alice', at(2030, 3, 14, 9, 6)))).toBe(false);
    expect(groupsWith(msg('alice', at(2030, 3, 13, 23, 58)), msg('alice', at(2030, 3, 14, 0, 1)))).toBe(false);
    expect(groupsWith(msg('alice', at(2030, 3, 14, 9, 5)), msg('alice', at(2030, 3, 14, 9, 0)))).toBe(false);
    expect(groupsWith({ from: 'alice', sentAt: 'garbage' }, { from: 'alice', sentAt: 'garbage' })).toBe(false);
    expect(groupsWith(undefined, msg('alice', now))).toBe(false);
  });
});
