import { FLAT_TOLERANCE_BYTES, type MemorySample, memoryVerdict, slope } from './memory.js';

const MiB = 2 ** 20;
const sample = (at: number, heapMiB: number, afterGc: boolean, rssMiB = 300): MemorySample => ({
  at,
  rss: rssMiB * MiB,
  heapUsed: heapMiB * MiB,
  external: 0,
  arrayBuffers: 0,
  afterGc,
});

describe('memoryVerdict', () => {
  it('is flat when the live heap after the drain is back near the one after setup, whatever it reached meanwhile', () => {
    const v = memoryVerdict([sample(0, 60, true), sample(2000, 250, false, 500), sample(10_000, 90, true), sample(60_000, 62, true, 320)]);
    expect(v.flat).toBe(true);
    expect(v.growth).toBe(2 * MiB);
    expect(v.heapUsed.max).toBe(250 * MiB);
    expect(v.rss).toEqual({ start: 300 * MiB, end: 320 * MiB, max: 500 * MiB });
  });

  it('is not flat when the live heap grew by more than the tolerance', () => {
    const v = memoryVerdict([sample(0, 60, true), sample(60_000, 60 + FLAT_TOLERANCE_BYTES / MiB + 1, true)]);
    expect(v.flat).toBe(false);
  });

  it('allows 10 % of a large baseline rather than the fixed tolerance', () => {
    expect(memoryVerdict([sample(0, 500, true), sample(60_000, 540, true)]).flat).toBe(true);
    expect(memoryVerdict([sample(0, 500, true), sample(60_000, 551, true)]).flat).toBe(false);
  });

  it('ignores samples taken between collections when judging', () => {
    expect(memoryVerdict([sample(0, 60, true), sample(30_000, 400, false), sample(60_000, 61, true)]).flat).toBe(true);
  });

  it('needs a live sample after setup and one after the drain', () => {
    expect(() => memoryVerdict([sample(0, 60, true), sample(1000, 70, false)])).toThrow('at least two samples taken after a full collection');
  });
});

describe('slope', () => {
  it('is the least-squares slope', () => {
    expect(
      slope([
        [0, 1],
        [1, 3],
        [2, 5],
      ]),
    ).toBeCloseTo(2);
    expect(
      slope([
        [0, 4],
        [1, 4],
      ]),
    ).toBe(0);
  });

  it('is 0 without two distinct x', () => {
    expect(slope([[1, 5]])).toBe(0);
    expect(
      slope([
        [1, 5],
        [1, 9],
      ]),
    ).toBe(0);
  });
});
