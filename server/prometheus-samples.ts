/**
 * Prometheus samples: read from text exposition (tests, benchmarks, remote scrapes) or made from
 * OpenTelemetry metric data (the console's sampler reading in-process brokers).
 */
import type { Attributes } from '@opentelemetry/api';
import { DataPointType, type MetricData } from '@opentelemetry/sdk-metrics';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheusText(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`Not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The samples named `name` whose labels include every pair of `match`. */
export function samplesOf(samples: readonly Sample[], name: string, match: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** The sum of the matching samples' values (undefined when none matches). */
export function valueOf(samples: readonly Sample[], name: string, match: Record<string, string> = {}): number | undefined {
  const found = samplesOf(samples, name, match);
  return found.length === 0 ? undefined : found.reduce((n, s) => n + s.value, 0);
}

/**
 * OpenTelemetry metric data as the samples a Prometheus scrape of it would give (histograms as cumulative
 * `_bucket{le}`, `_count` and `_sum`), so the console reads in-process brokers exactly as a scraper does.
 */
export function toSamples(data: readonly MetricData[]): Sample[] {
  const out: Sample[] = [];
  for (const m of data) {
    const name = m.descriptor.name;
    if (m.dataPointType === DataPointType.HISTOGRAM) {
      for (const p of m.dataPoints) {
        const labels = stringLabels(p.attributes);
        let cumulative = 0;
        p.value.buckets.counts.forEach((n, i) => {
          cumulative += n;
          const le = i < p.value.buckets.boundaries.length ? String(p.value.buckets.boundaries[i]) : '+Inf';
          out.push({ name: `${name}_bucket`, labels: { ...labels, le }, value: cumulative });
        });
        out.push({ name: `${name}_count`, labels, value: p.value.count }, { name: `${name}_sum`, labels, value: p.value.sum ?? 0 });
      }
    } else if (m.dataPointType === DataPointType.SUM || m.dataPointType === DataPointType.GAUGE) {
      for (const p of m.dataPoints) out.push({ name, labels: stringLabels(p.attributes), value: p.value });
    }
  }
  return out;
}

/** Attributes as labels; the engine's are strings already, so they are used as they are (no copy). */
function stringLabels(attributes: Attributes): Record<string, string> {
  for (const v of Object.values(attributes)) if (typeof v !== 'string') return Object.fromEntries(Object.entries(attributes).map(([k, x]) => [k, String(x)]));
  return attributes as Record<string, string>;
}
