/**
 * The stack process's memory over the soak, and the verdict on it. Heap samples taken between collections rise and
 * fall with garbage not yet collected, so the verdict compares the heap that survives a full collection (`afterGc`)
 * after setup with the one after the run has drained: what the run left behind. The criterion, stated in the report:
 * flat when that growth is at most max(FLAT_TOLERANCE_BYTES, FLAT_TOLERANCE_RATIO x baseline).
 */

export interface MemorySample {
  /** Wall-clock ms. */
  at: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** Taken right after a full garbage collection: the live heap. */
  afterGc: boolean;
}

export const FLAT_TOLERANCE_BYTES = 10 * 2 ** 20;
export const FLAT_TOLERANCE_RATIO = 0.1;

export interface MemoryVerdict {
  /** Live heap after setup and after the drain, bytes. */
  baselineHeap: number;
  endHeap: number;
  growth: number;
  allowed: number;
  flat: boolean;
  rss: { start: number; end: number; max: number };
  heapUsed: { max: number };
  /** Least-squares slope of the live heap over the run's full-collection samples, bytes per minute. */
  liveHeapSlopePerMinute: number;
}

export function memoryVerdict(samples: readonly MemorySample[]): MemoryVerdict {
  const live = samples.filter((s) => s.afterGc);
  const baseline = live[0];
  const end = live.at(-1);
  if (baseline === undefined || end === undefined || baseline === end)
    throw new Error('the memory verdict needs at least two samples taken after a full collection (after setup and after the drain)');
  const growth = end.heapUsed - baseline.heapUsed;
  const allowed = Math.max(FLAT_TOLERANCE_BYTES, FLAT_TOLERANCE_RATIO * baseline.heapUsed);
  return {
    baselineHeap: baseline.heapUsed,
    endHeap: end.heapUsed,
    growth,
    allowed,
    flat: growth <= allowed,
    rss: { start: samples[0]!.rss, end: samples.at(-1)!.rss, max: Math.max(...samples.map((s) => s.rss)) },
    heapUsed: { max: Math.max(...samples.map((s) => s.heapUsed)) },
    liveHeapSlopePerMinute: slope(live.map((s) => [s.at / 60_000, s.heapUsed])),
  };
}

/** Least-squares slope of y over x; 0 for fewer than two distinct x. */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const meanX = points.reduce((s, [x]) => s + x, 0) / n;
  const meanY = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
