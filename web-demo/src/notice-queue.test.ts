import { NoticeQueue } from './notice-queue.js';

/** Timers the test runs by hand. */
function manualTimers() {
  const timers = new Map<number, { run: () => void; ms: number }>();
  let next = 1;
  return {
    setTimer: (run: () => void, ms: number) => {
      timers.set(next, { run, ms });
      return next++;
    },
    clearTimer: (id: unknown) => void timers.delete(id as number),
    pending: () => [...timers.values()].map((t) => t.ms),
    fireAll: () => {
      const due = [...timers.entries()];
      timers.clear();
      for (const [, t] of due) t.run();
    },
  };
}

describe('NoticeQueue', () => {
  it('keeps errors until dismissed and lets info notices go after their time', () => {
    const timers = manualTimers();
    const queue = new NoticeQueue({ infoMs: 5000, ...timers });
    queue.add('error', 'could not leave');
    queue.add('info', 'bob was added');
    expect(timers.pending()).toEqual([5000]);
    timers.fireAll();
    expect(queue.all().map((n) => n.text)).toEqual(['could not leave']);
    queue.dismiss(queue.all()[0]!.id);
    expect(queue.all()).toEqual([]);
  });

  it('counts a notice raised again instead of stacking a copy, and moves it to the end', () => {
    const queue = new NoticeQueue(manualTimers());
    queue.add('error', 'The API did not answer in time');
    queue.add('error', 'Not allowed');
    const again = queue.add('error', 'The API did not answer in time');
    expect(again.count).toBe(2);
    expect(queue.all().map((n) => [n.text, n.count])).toEqual([
      ['Not allowed', 1],
      ['The API did not answer in time', 2],
    ]);
    // The same text as info is another notice.
    queue.add('info', 'Not allowed');
    expect(queue.all()).toHaveLength(3);
  });

  it('keeps at most `keep`: the oldest info goes first, then the oldest error', () => {
    const queue = new NoticeQueue({ keep: 3, ...manualTimers() });
    queue.add('error', 'e1');
    queue.add('info', 'i1');
    queue.add('error', 'e2');
    queue.add('error', 'e3');
    expect(queue.all().map((n) => n.text)).toEqual(['e1', 'e2', 'e3']);
    queue.add('error', 'e4');
    expect(queue.all().map((n) => n.text)).toEqual(['e2', 'e3', 'e4']);
  });

  it('holds info notices while the user is on them, and gives them their full time again after', () => {
    const timers = manualTimers();
    const queue = new NoticeQueue({ infoMs: 5000, ...timers });
    queue.add('info', 'saved');
    queue.hold(true);
    expect(timers.pending()).toEqual([]);
    queue.hold(false);
    expect(timers.pending()).toEqual([5000]);
    timers.fireAll();
    expect(queue.all()).toEqual([]);
  });

  it('tells its listeners of every change, and dismissing all stops every timer', () => {
    const timers = manualTimers();
    const queue = new NoticeQueue(timers);
    let changes = 0;
    const stop = queue.onChange(() => (changes += 1));
    queue.add('info', 'a');
    queue.add('info', 'b');
    queue.dismissAll();
    expect(changes).toBe(3);
    expect(timers.pending()).toEqual([]);
    queue.dismiss(12345); // unknown: nothing happens
    stop();
    queue.add('error', 'c');
    expect(changes).toBe(3);
  });
});
