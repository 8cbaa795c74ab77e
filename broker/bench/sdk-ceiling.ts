/**
 * `npm run bench -- sdk-ceiling`: the official SDK's Producer, 1 and 64 closed-loop senders of 1 KiB bodies,
 * against Meridian as users run it (a broker process, sync flush) and, in the same run, against a null server
 * (stacks/lean-h2.ts: answers the SDK correctly, stores nothing; the cheapest of the gRPC stacks measured by
 * stacks/compare.ts, so the ceiling is the SDK's and not a server's). The two alternate round by round (the order
 * swapping each round) and each line gives the medians. `ofNull` = Meridian's msg/s ÷ the null server's: how
 * close a Node SDK user gets to the ceiling the SDK itself sets on this machine (issue 12 asks ≥ 0.9).
 *
 * The null server runs in its own process, as the broker does. Inside the bench's process its gRPC work would
 * queue on the SDK's event loop (one core) while the broker's runs on another core, which would lower the
 * ceiling and flatter Meridian; as a child, both targets get the same topology and only the server differs.
 */
import path from 'node:path';
import { startBrokerProcess } from './broker-process.ts';
import { measureRound, medianOf, startServerProcess, type Round } from './sdk-rounds.ts';

type Line = Record<string, unknown>;
const TOPIC = 'bench-ceiling';

function line(producers: number, messages: number, meridian: Round[], nul: Round[]): Line {
  const msgPerSec = medianOf(meridian, 'msgPerSec');
  const nullMsgPerSec = medianOf(nul, 'msgPerSec');
  return {
    bench: 'sdk-ceiling',
    producers,
    msgPerSec,
    nullMsgPerSec,
    ofNull: Math.round((msgPerSec / nullMsgPerSec) * 1000) / 1000,
    messages,
    samples: meridian.map((r) => r.msgPerSec),
    nullSamples: nul.map((r) => r.msgPerSec),
    p50Us: medianOf(meridian, 'p50Us'),
    p99Us: medianOf(meridian, 'p99Us'),
    nullP50Us: medianOf(nul, 'p50Us'),
    nullP99Us: medianOf(nul, 'p99Us'),
    serverCpuUs: Math.round(medianOf(meridian, 'serverUsPerMsg')),
    nullServerCpuUs: Math.round(medianOf(nul, 'serverUsPerMsg')),
    clientCpuUs: Math.round(medianOf(meridian, 'clientUsPerMsg')),
    nullClientCpuUs: Math.round(medianOf(nul, 'clientUsPerMsg')),
  };
}

export async function runSdkCeilingBench(opts: { dir: string; quick: boolean }, emit: (l: Line) => void): Promise<void> {
  const q = opts.quick;
  const rounds = q ? 3 : 5;
  const broker = await startBrokerProcess({ dataDir: path.join(opts.dir, 'sdk-ceiling'), flush: 'sync', bootstrap: { topics: [{ name: TOPIC, queues: 8 }] } });
  const nullServer = await startServerProcess(path.join(import.meta.dirname, 'stacks', 'lean-h2.ts'));
  const meridian = { endpoints: `127.0.0.1:${broker.port}`, pid: broker.child.pid! };
  try {
    // One untimed pass each, so neither side's first round runs cold (JIT, first store files).
    for (const t of [meridian, nullServer]) await measureRound(t, TOPIC, 64, q ? 1000 : 3000);
    for (const [senders, total] of [
      [1, q ? 1500 : 5000],
      [64, q ? 6000 : 30_000],
    ] as const) {
      const results = new Map<{ endpoints: string; pid: number }, Round[]>([
        [meridian, []],
        [nullServer, []],
      ]);
      for (let r = 0; r < rounds; r++) {
        for (const t of r % 2 === 0 ? [meridian, nullServer] : [nullServer, meridian]) results.get(t)!.push(await measureRound(t, TOPIC, senders, total));
      }
      emit(line(senders, total, results.get(meridian)!, results.get(nullServer)!));
    }
  } finally {
    await Promise.all([nullServer.stop(), broker.stop()]);
  }
}
