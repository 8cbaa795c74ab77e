/**
 * Issue 12, target 2: the server CPU per message of each candidate gRPC stack, as a null server (answers the
 * official SDK correctly, stores nothing) for the official Node SDK's Producer, at 1 and 64 closed-loop
 * senders of 1 KiB bodies, all in one sitting:
 *
 *   grpcjs-today  grpc-js + proto-loader objects, as Meridian's server was (grpcjs-today.ts)
 *   grpcjs-tuned  grpc-js with protobufjs codecs on the wire bytes (grpcjs-tuned.ts)
 *   connect-node  @connectrpc/connect-node + protobuf-es v2 (connect-node.ts; packages from STACKS_DIR)
 *   lean-h2       bare node:http2 + protobufjs codecs (lean-h2.ts)
 *   meridian-async, meridian-sync   the real broker (broker/main.ts, its own node:http2 transport) storing
 *                 every message with that flush mode: what the engine and the RPC layer add to the floor
 *
 * `npx tsx broker/bench/stacks/compare.ts [--quick] [--rounds N] [--stacks a,b] [--verify]` (--verify: the check only). Each server is its own
 * child process (as the broker is); they alternate round by round with the order rotating, every round with
 * fresh producers warmed by one send each. One JSON line per stack and sender count, medians over rounds:
 * `{"bench":"grpc.stack","stack":…,"producers":1|64,"msgPerSec":…,"serverUsPerMsg":…,"clientUsPerMsg":…}`.
 * Before measuring, each server is checked with a Producer of three topics (start-up needs the settings
 * echo, see codecs.ts) sending one message to each.
 *
 * connect-node needs its packages outside the project: `mkdir -p /tmp/stacks && cd /tmp/stacks && npm init -y
 * && npm install --no-save @connectrpc/connect@2 @connectrpc/connect-node@2 @bufbuild/protobuf@2
 * @bufbuild/buf` (STACKS_DIR defaults to /tmp/stacks); the descriptor set is built here with that buf.
 * Without them the stack is skipped.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Producer } from 'rocketmq-client-nodejs';
import { PROTO_ROOT } from '../../grpc/proto.ts';
import { startBrokerProcess } from '../broker-process.ts';
import { BODY } from '../grpc-bench.ts';
import { measureRound, medianOf, startServerProcess, type Round, type ServerProcess } from '../sdk-rounds.ts';

const HERE = import.meta.dirname;
const STACKS_DIR = process.env.STACKS_DIR ?? '/tmp/stacks';
const TOPIC = 'bench-stacks';
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

const SERVERS: Record<string, string> = {
  'grpcjs-today': path.join(HERE, 'grpcjs-today.ts'),
  'grpcjs-tuned': path.join(HERE, 'grpcjs-tuned.ts'),
  'connect-node': path.join(HERE, 'connect-node.ts'),
  'lean-h2': path.join(HERE, 'lean-h2.ts'),
};

const BROKERS: Record<string, 'sync' | 'async'> = { 'meridian-async': 'async', 'meridian-sync': 'sync' };
const VERIFY_TOPICS = ['verify-a', 'verify-b', 'verify-c'];

type Server = ServerProcess & { stack: string };

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

/** Whether connect-node can run: its packages in STACKS_DIR, and the SDK's descriptor set (built with buf once). */
function connectReady(): boolean {
  const set = path.join(STACKS_DIR, 'rmq.binpb');
  if (!fs.existsSync(path.join(STACKS_DIR, 'node_modules', '@connectrpc', 'connect-node'))) return false;
  if (!fs.existsSync(set)) {
    const buf = path.join(STACKS_DIR, 'node_modules', '.bin', 'buf');
    execFileSync(buf, ['build', PROTO_ROOT, '--path', path.join(PROTO_ROOT, 'apache/rocketmq/v2/service.proto'), '-o', set], { stdio: 'inherit' });
  }
  return true;
}

async function start(stack: string): Promise<Server> {
  const flush = BROKERS[stack];
  if (flush) {
    const topics = [TOPIC, ...VERIFY_TOPICS].map((name) => ({ name, queues: 8 }));
    const b = await startBrokerProcess({ dataDir: path.join('/tmp/bench', `stacks-${stack}`), flush, bootstrap: { topics } });
    return { stack, endpoints: `127.0.0.1:${b.port}`, pid: b.child.pid!, stop: b.stop };
  }
  return { stack, ...(await startServerProcess(SERVERS[stack]!, { ...process.env, STACKS_DIR })) };
}

const within = <T>(ms: number, p: Promise<T>): Promise<T | 'timeout'> =>
  Promise.race([p, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref())]);

/** A Producer with three topics starts (the settings echo) and a send to each topic gets a message id. */
async function verify(s: Server): Promise<Record<string, unknown>> {
  const topics = VERIFY_TOPICS;
  const p = new Producer({ endpoints: s.endpoints, namespace: '', topics, logger: quiet });
  const started = await within(15_000, p.startup().then(() => 'ok' as const));
  let sent = 0;
  if (started === 'ok') {
    for (const topic of topics) if ((await p.send({ topic, body: BODY })).messageId) sent++;
  }
  // An unstarted Producer still holds its telemetry stream and timers; shutdown releases them either way.
  await within(5000, p.shutdown().catch(() => undefined));
  return { bench: 'grpc.stack.verify', stack: s.stack, topics: topics.length, started: started === 'ok', sent };
}


async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const rounds = Number(arg('--rounds') ?? (quick ? 3 : 5));
  let stacks = (arg('--stacks') ?? [...Object.keys(SERVERS), ...Object.keys(BROKERS)].join(',')).split(',');
  if (stacks.includes('connect-node') && !connectReady()) {
    console.error(`connect-node skipped: @connectrpc/connect-node not installed in ${STACKS_DIR}`);
    stacks = stacks.filter((s) => s !== 'connect-node');
  }
  const servers: Server[] = [];
  for (const stack of stacks) servers.push(await start(stack));
  try {
    for (const s of servers) console.log(JSON.stringify(await verify(s)));
    if (process.argv.includes('--verify')) return;
    // One untimed pass each, so no stack's first round runs cold (JIT).
    for (const s of servers) await measureRound(s, TOPIC, 64, quick ? 1000 : 3000);
    for (const [senders, total] of [
      [1, quick ? 1500 : 4000],
      [64, quick ? 6000 : 20_000],
    ] as const) {
      const results = new Map<Server, Round[]>(servers.map((s) => [s, []]));
      for (let r = 0; r < rounds; r++) {
        for (let i = 0; i < servers.length; i++) {
          const s = servers[(i + r) % servers.length]!;
          results.get(s)!.push(await measureRound(s, TOPIC, senders, total));
        }
      }
      for (const s of servers) {
        const rs = results.get(s)!;
        console.log(
          JSON.stringify({
            bench: 'grpc.stack',
            stack: s.stack,
            producers: senders,
            msgPerSec: medianOf(rs, 'msgPerSec'),
            serverUsPerMsg: medianOf(rs, 'serverUsPerMsg'),
            clientUsPerMsg: medianOf(rs, 'clientUsPerMsg'),
            p50Us: medianOf(rs, 'p50Us'),
            p99Us: medianOf(rs, 'p99Us'),
            messages: total,
            rounds,
            samples: rs.map((x) => [x.msgPerSec, x.serverUsPerMsg, x.clientUsPerMsg]),
          }),
        );
      }
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

await main();
