export interface Distribution {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function distribution(values: ArrayLike<number>): Distribution {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count: sorted.length,
    mean: sorted.length > 0 ? sum / sorted.length : Number.NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted.length > 0 ? sorted[sorted.length - 1] : Number.NaN,
  };
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Monotonic time in microseconds, the clock V8 CPU profiles are stamped with. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** CPU time this process used per wall-clock time since `from` (1.0 = one core busy throughout). */
export function cpuShare(from: CpuMark, to: CpuMark = cpuMark()): number {
  const cpu = to.user + to.system - (from.user + from.system);
  return Math.round((cpu / Math.max(1, to.wall - from.wall)) * 100) / 100;
}

export interface CpuMark {
  user: number;
  system: number;
  /** Microseconds, monotonic. */
  wall: number;
}

export function cpuMark(): CpuMark {
  const { user, system } = process.cpuUsage();
  return { user, system, wall: monotonicMicros() };
}
