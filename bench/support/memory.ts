/** Samples the process's resident set size on a timer and keeps the peak. */
export class MemorySampler {
  peakRss = 0;
  peakHeapUsed = 0;
  samples = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly onSample?: () => void) {}

  start(intervalMs = 100): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  private sample(): void {
    const { rss, heapUsed } = process.memoryUsage();
    this.peakRss = Math.max(this.peakRss, rss);
    this.peakHeapUsed = Math.max(this.peakHeapUsed, heapUsed);
    this.samples++;
    this.onSample?.();
  }
}

export function megabytes(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}
