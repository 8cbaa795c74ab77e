import fs from 'node:fs';

/** Percentile (nearest rank) of a sample, in the sample's unit. */
export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function latencySummaryUs(samplesNs: number[]): { p50Us: number; p99Us: number; p999Us: number; avgUs: number } {
  const sorted = Float64Array.from(samplesNs).sort();
  const round = (ns: number) => Math.round(ns / 100) / 10;
  const avg = samplesNs.reduce((a, b) => a + b, 0) / Math.max(1, samplesNs.length);
  return { p50Us: round(percentile(sorted, 50)), p99Us: round(percentile(sorted, 99)), p999Us: round(percentile(sorted, 99.9)), avgUs: round(avg) };
}

export function rate(count: number, ms: number): number {
  return Math.round((count / ms) * 1000);
}

export function mbPerSec(bytes: number, ms: number): number {
  return Math.round((bytes / 1024 / 1024 / (ms / 1000)) * 10) / 10;
}

/** CPU time (user + system) a process has used so far, in µs, from Linux's /proc/<pid>/stat. */
export function processCpuUs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}
