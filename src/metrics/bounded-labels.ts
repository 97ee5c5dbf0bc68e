/** The label value every event type beyond the bound is counted under. */
export const OTHER_LABEL = 'other';

/**
 * Label values for event types with a bounded cardinality: the types the application declares
 * always have their own, and the first `maxOthers` other types seen (events published through
 * POST /events may carry any type) get theirs; every later one is `other`. Each label value is
 * a time series held until the process exits, so this bounds /metrics and its memory.
 */
export class BoundedLabels {
  private readonly others = new Set<string>();

  constructor(
    private readonly maxOthers: number,
    private readonly isDeclared: (value: string) => boolean,
  ) {}

  of(value: string): string {
    if (this.isDeclared(value) || this.others.has(value)) return value;
    if (this.others.size >= this.maxOthers) return OTHER_LABEL;
    this.others.add(value);
    return value;
  }
}
