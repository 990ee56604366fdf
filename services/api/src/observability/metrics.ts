/** Upper bounds (seconds) of the HTTP latency histogram. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Series {
  labels: string;
  counts: number[];
  sum: number;
  count: number;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function labels(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',');
}

/** A Prometheus histogram in memory; labels are kept bounded by the caller (route templates, not paths). */
export class Histogram {
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[] = LATENCY_BUCKETS,
  ) {}

  observe(labelValues: Record<string, string>, value: number): void {
    const key = labels(labelValues);
    let series = this.series.get(key);
    if (!series) {
      series = { labels: key, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, series);
    }
    this.buckets.forEach((bound, i) => {
      if (value <= bound) series.counts[i] += 1;
    });
    series.sum += value;
    series.count += 1;
  }

  /** Text exposition format 0.0.4. */
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of [...this.series.values()].sort((a, b) => a.labels.localeCompare(b.labels))) {
      const sep = s.labels ? ',' : '';
      this.buckets.forEach((bound, i) => lines.push(`${this.name}_bucket{${s.labels}${sep}le="${bound}"} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket{${s.labels}${sep}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum{${s.labels}} ${s.sum}`);
      lines.push(`${this.name}_count{${s.labels}} ${s.count}`);
    }
    return lines.join('\n') + '\n';
  }
}

export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

/** One counter or gauge family with its samples. */
export function family(name: string, type: 'counter' | 'gauge', help: string, samples: Sample[]): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const sample of samples) {
    const l = sample.labels ? `{${labels(sample.labels)}}` : '';
    lines.push(`${name}${l} ${sample.value}`);
  }
  return lines.join('\n') + '\n';
}
