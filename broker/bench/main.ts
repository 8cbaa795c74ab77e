/**
 * `npm run bench -- <suite> [--quick] [--dir <path>]`: prints one JSON line per figure. A full run (without
 * --quick) also rewrites the suite's section of BENCHMARKS.md.
 */
import { parseArgs } from 'node:util';
import { recordResults } from './record.ts';
import { runGrpcBench } from './grpc-bench.ts';
import { runMetricsBench } from './metrics-bench.ts';
import { runSdkCeilingBench } from './sdk-ceiling.ts';
import { runStoreBench } from './store-bench.ts';
import { runTraceBench } from './trace-bench.ts';
import { runTypesBench } from './types-bench.ts';

const SUITES: Record<string, (opts: { dir: string; quick: boolean }, emit: (l: Record<string, unknown>) => void) => Promise<void>> = {
  store: runStoreBench,
  grpc: runGrpcBench,
  types: runTypesBench,
  trace: runTraceBench,
  'sdk-ceiling': runSdkCeilingBench,
  metrics: runMetricsBench,
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { quick: { type: 'boolean', default: false }, dir: { type: 'string', default: 'data/bench' } },
});
const names = positionals.length > 0 ? positionals : Object.keys(SUITES);
for (const name of names) {
  const suite = SUITES[name];
  if (!suite) {
    console.error(`Unknown suite "${name}"; choose from: ${Object.keys(SUITES).join(', ')}`);
    process.exit(2);
  }
  const lines: Record<string, unknown>[] = [];
  await suite({ dir: values.dir!, quick: values.quick! }, (line) => {
    lines.push(line);
    console.log(JSON.stringify(line));
  });
  if (!values.quick) recordResults(name, `npm run bench -- ${name}`, lines);
}
process.exit(0);
