/**
 * One clock for the benchmark's three processes: wall-clock milliseconds with sub-millisecond resolution
 * (`performance.now()` is relative to each process's own start, so it cannot be compared across processes).
 */
export const wallClockMs = (): number => performance.timeOrigin + performance.now();
