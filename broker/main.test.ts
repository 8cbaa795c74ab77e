/**
 * The standalone broker process (`npm run broker`): flags, bootstrap, structured start/stop logs, the data
 * directory lock, graceful SIGTERM and durability of acknowledged sends across SIGKILL.
 */
import * as grpc from '@grpc/grpc-js';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.MERIDIAN_LOG_LEVEL ??= 'warn';
});

import { Broker } from '../server/broker/index.ts';
import { waitUntil } from '../server/broker/test-support.ts';
import { parsePrometheusText, valueOf } from '../server/prometheus-samples.ts';
import { messagingService } from './grpc/proto.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const tempDirs: string[] = [];
const running = new Set<ChildProcess>();
const clients: grpc.Client[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const p of running) {
    if (p.exitCode === null && p.signalCode === null && p.pid) process.kill(p.pid, 'SIGKILL');
  }
  running.clear();
  for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-main-'));
  tempDirs.push(dir);
  return dir;
}

// ---------------------------------------------------------------------------------------------------------
// The process
// ---------------------------------------------------------------------------------------------------------

interface LogLine {
  event?: string;
  port?: number;
  level?: number;
  msg?: string;
  [k: string]: unknown;
}

interface BrokerProcess {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Every stdout line, parsed; a line that is not JSON fails the test. */
  logs: () => LogLine[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function launch(args: string[]): BrokerProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'broker/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, MERIDIAN_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    logs: () =>
      out
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => {
          try {
            return JSON.parse(l) as LogLine;
          } catch {
            throw new Error(`stdout line is not JSON: ${l}`);
          }
        }),
    exited,
  };
}

/** Runs the broker to its exit (for flags that make it stop at once). */
async function runToExit(args: string[], timeoutMs = 15_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = launch(args);
  const timer = setTimeout(() => p.proc.kill('SIGKILL'), timeoutMs);
  const { code } = await p.exited;
  clearTimeout(timer);
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** Starts a broker and waits for its `broker.start` line; resolves with the port it listens on. */
async function start(args: string[]): Promise<BrokerProcess & { port: number }> {
  const p = launch(args);
  const startLine = (): LogLine | undefined =>
    p
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine)
      .find((l) => l.event === 'broker.start');
  let line: LogLine;
  try {
    line = await waitUntil(
      () => {
        const found = startLine();
        if (!found && p.proc.exitCode !== null) throw new Error('the broker exited');
        return found;
      },
      { what: 'the broker.start line', timeoutMs: 15_000, intervalMs: 25 },
    );
  } catch (e) {
    throw new Error(`broker did not start (exit ${p.proc.exitCode}, ${(e as Error).message}):\n${p.stdout()}\n${p.stderr()}`);
  }
  expect(typeof line.port).toBe('number');
  return { ...p, port: line.port! };
}

async function stop(p: BrokerProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  p.proc.kill('SIGTERM');
  return p.exited;
}

// ---------------------------------------------------------------------------------------------------------
// A raw gRPC client
// ---------------------------------------------------------------------------------------------------------

interface Status {
  code: string;
  message: string;
}
type UnaryFn = (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: unknown) => void) => void;
type ServerStreamFn = (req: object, md: grpc.Metadata, opts: grpc.CallOptions) => grpc.ClientReadableStream<unknown>;
interface StreamReply {
  content?: string;
  status?: Status | null;
  message?: { system_properties: { message_id: string } } | null;
  next_offset?: number;
}

function connect(port: number): grpc.Client {
  const c = new (messagingService())(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  clients.push(c);
  return c;
}

function meta(): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('x-mq-client-id', `main-test@${process.pid}@${randomBytes(4).toString('hex')}`);
  md.set('x-mq-protocol', 'v2');
  md.set('x-mq-language', 'HTTP');
  return md;
}

/** Metadata signed as the SDKs sign: HMAC-SHA1 of x-mq-date-time under the password, upper-case hex. */
function signedMeta(username: string, password: string): grpc.Metadata {
  const md = meta();
  const dateTime = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  md.set('x-mq-date-time', dateTime);
  const signature = createHmac('sha1', password).update(dateTime).digest('hex').toUpperCase();
  md.set('authorization', `MQv2-HMAC-SHA1 Credential=${username}, SignedHeaders=x-mq-date-time, Signature=${signature}`);
  return md;
}

function call<T>(c: grpc.Client, rpc: string, req: object, timeoutMs = 5000, md = meta()): Promise<T> {
  const fn = (c as unknown as Record<string, UnaryFn>)[rpc]!;
  return new Promise<T>((resolve, reject) => fn.call(c, req, md, { deadline: Date.now() + timeoutMs }, (e, r) => (e ? reject(e) : resolve(r as T))));
}

function collect(c: grpc.Client, rpc: string, req: object, timeoutMs = 10_000): Promise<StreamReply[]> {
  const fn = (c as unknown as Record<string, ServerStreamFn>)[rpc]!;
  return new Promise((resolve, reject) => {
    const out: StreamReply[] = [];
    const s = fn.call(c, req, meta(), { deadline: Date.now() + timeoutMs });
    s.on('data', (r: StreamReply) => out.push(r));
    s.on('error', reject);
    s.on('end', () => resolve(out));
  });
}

function queryRoute(c: grpc.Client, topic: string, md = meta()): Promise<{ status: Status; message_queues: { accept_message_types: string[] }[] }> {
  return call(c, 'QueryRoute', { topic: { resource_namespace: '', name: topic } }, 5000, md);
}

function messageId(): string {
  return `01${randomBytes(16).toString('hex').toUpperCase()}`;
}

function sendOne(c: grpc.Client, topic: string, id: string, body: string): Promise<{ status: Status; entries: { status: Status }[] }> {
  return call(c, 'SendMessage', {
    messages: [
      {
        topic: { resource_namespace: '', name: topic },
        user_properties: {},
        system_properties: { message_id: id, keys: [], body_encoding: 'IDENTITY', message_type: 'NORMAL', born_host: 'main-test', queue_id: 0 },
        body: Buffer.from(body),
      },
    ],
  });
}

function queueRef(topic: string, id: number): object {
  return { topic: { resource_namespace: '', name: topic }, id, permission: 'READ_WRITE', accept_message_types: ['NORMAL'] };
}

/** Every message id in a queue, read with PullMessage from offset 0. */
async function pullAll(c: grpc.Client, group: string, topic: string, queueId: number): Promise<string[]> {
  const ids: string[] = [];
  let offset = 0;
  for (;;) {
    const replies = await collect(c, 'PullMessage', {
      group: { resource_namespace: '', name: group },
      message_queue: queueRef(topic, queueId),
      offset,
      batch_size: 32,
      filter_expression: { type: 'TAG', expression: '*' },
      long_polling_timeout: { seconds: 0, nanos: 0 },
    });
    const code = replies[0]?.status?.code;
    if (code === 'MESSAGE_NOT_FOUND') return ids;
    expect(code).toBe('OK');
    for (const r of replies) if (r.content === 'message') ids.push(r.message!.system_properties.message_id);
    const next = replies.at(-1)!.next_offset!;
    expect(next).toBeGreaterThan(offset);
    offset = next;
  }
}

function writeBootstrap(content: unknown): string {
  const file = path.join(tempDir(), 'resources.json');
  fs.writeFileSync(file, JSON.stringify(content));
  return file;
}

// ---------------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------------

describe('flags', () => {
  it('--help prints usage naming every flag and exits 0', async () => {
    const { code, stdout } = await runToExit(['--help']);
    expect(code).toBe(0);
    for (const flag of [
      '--data-dir',
      '--port',
      '--host',
      '--flush',
      '--bootstrap',
      '--auto-create',
      '--max-message-size',
      '--retention-hours',
      '--long-polling-ms',
      '--broker-name',
      '--metrics-port',
      '--metrics-token-file',
      '--client-metrics-endpoint',
      '--acl',
      '--acl-super-user',
      '--allow-ip',
      '--max-tps',
      '--max-receive-tps',
      '--tls-cert',
      '--tls-key',
      '--help',
      'MERIDIAN_LOG_LEVEL',
      'SIGUSR2',
    ]) {
      expect(stdout).toContain(flag);
    }
  });

  it('refuses a bad --flush with exit 2 and a message', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const { code, stderr } = await runToExit(['--data-dir', dataDir, '--port', '0', '--flush', 'x']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--flush must be sync or async.*"x"/);
  });

  it('refuses an unknown flag and a bad --port with exit 2', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const unknown = await runToExit(['--data-dir', dataDir, '--port', '0', '--no-such-flag']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--no-such-flag');
    const port = await runToExit(['--data-dir', dataDir, '--port', 'abc']);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/--port/);
  });

  it('refuses a bad --port before touching the data directory (no stale LOCK, nothing bootstrapped)', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const file = writeBootstrap({ topics: [{ name: 'orders' }] });
    const { code } = await runToExit(['--data-dir', dataDir, '--port', 'abc', '--bootstrap', file]);
    expect(code).toBe(2);
    expect(fs.existsSync(path.join(dataDir, 'LOCK'))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'metadata', 'topics.json'))).toBe(false);
  });
});

describe('access flags', () => {
  it.each([
    [['--allow-ip', '10.0.0.0/40'], /--allow-ip: "10.0.0.0\/40" is not an IP address or CIDR/],
    [['--max-tps=-3'], /--max-tps must be a non-negative number/],
    [['--max-tps', '1.5'], /--max-tps must be a whole number/],
    [['--tls-cert', '/nonexistent/cert.pem'], /--tls-cert and --tls-key go together/],
    [['--tls-cert', '/nonexistent/cert.pem', '--tls-key', '/nonexistent/key.pem'], /Cannot read the TLS certificate file \/nonexistent\/cert.pem/],
    [['--acl-super-user', 'root'], /--acl-super-user needs a password/],
    [['--acl-super-user', 'bad name'], /--acl-super-user: The username must/],
  ])('%j exits 2 with a message, before touching the data directory', async (flags, message) => {
    const dataDir = path.join(tempDir(), 'data');
    const { code, stderr } = await runToExit(['--data-dir', dataDir, '--port', '0', ...flags]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});

describe('bootstrap', () => {
  it('exits 2 naming the bad field of an invalid bootstrap file', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const file = writeBootstrap({ topics: [{ name: 'orders', type: 'SOMETIMES' }] });
    const { code, stderr } = await runToExit(['--data-dir', dataDir, '--port', '0', '--bootstrap', file]);
    expect(code).toBe(2);
    expect(stderr).toContain('topics[0].type');
    // Nothing was started, so nothing holds the data directory.
    expect(fs.existsSync(path.join(dataDir, 'LOCK'))).toBe(false);
  });

  it('exits 2 for a missing bootstrap file', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const missing = path.join(tempDir(), 'missing.json');
    const { code, stderr } = await runToExit(['--data-dir', dataDir, '--port', '0', '--bootstrap', missing]);
    expect(code).toBe(2);
    expect(stderr).toContain(missing);
  });

  it('exits 2 naming the field when a bootstrap name is invalid (not a crash with a stack trace)', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const file = writeBootstrap({ topics: [{ name: 'ok' }, { name: 'bad name!' }] });
    const { code, stderr } = await runToExit(['--data-dir', dataDir, '--port', '0', '--bootstrap', file]);
    expect({ code, stderr: stderr.slice(0, 300) }).toMatchObject({ code: 2 });
    expect(stderr).toContain('topics[1].name');
  });
});

describe('running broker', () => {
  it('with --acl and bootstrap users: unsigned requests are refused, signed ones pass, and the switch persists', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const file = writeBootstrap({
      topics: [{ name: 'orders' }, { name: 'payments' }],
      users: [{ username: 'app', password: 'app-secret-1' }],
      acls: [{ subject: 'User:app', policies: [{ entries: [{ resource: 'Topic:orders', actions: ['PUB'], decision: 'ALLOW' }] }] }],
    });
    const passwordFile = path.join(tempDir(), 'root.pw');
    fs.writeFileSync(passwordFile, 'root-secret-1\n');
    let b = await start(['--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1', '--bootstrap', file, '--acl', '--acl-super-user', 'root', '--acl-super-password-file', passwordFile, '--allow-ip', '127.0.0.0/8', '--allow-ip', '::1']);
    let c = connect(b.port);
    const anonymous = await queryRoute(c, 'orders');
    expect(anonymous.status.code).toBe('UNAUTHORIZED');
    expect(anonymous.status.message).toMatch(/carries no credentials/);
    expect((await queryRoute(c, 'orders', signedMeta('app', 'app-secret-1'))).status.code).toBe('OK');
    const denied = await queryRoute(c, 'payments', signedMeta('app', 'app-secret-1'));
    expect(denied.status).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/User:app has no permission to PUB or SUB Topic:payments from 127\.0\.0\.1/) });
    expect((await queryRoute(c, 'payments', signedMeta('root', 'root-secret-1'))).status.code).toBe('OK');
    expect((await queryRoute(c, 'orders', signedMeta('app', 'wrong-secret'))).status.message).toMatch(/signature of User:app .* does not match/);
    expect(fs.readFileSync(path.join(dataDir, 'metadata', 'acl.json'), 'utf8')).not.toMatch(/app-secret-1|root-secret-1/);
    expect(b.stdout()).not.toMatch(/app-secret-1|root-secret-1/);
    await stop(b);

    // Restarted without the flags: ACL stays on, with the same users.
    b = await start(['--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1']);
    c = connect(b.port);
    expect((await queryRoute(c, 'orders')).status.code).toBe('UNAUTHORIZED');
    expect((await queryRoute(c, 'orders', signedMeta('app', 'app-secret-1'))).status.code).toBe('OK');
    await stop(b);
  });

  it('serves bootstrapped topics, keeps unknown ones unknown, holds the data dir, and stops on SIGTERM', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const file = writeBootstrap({
      namespaces: [],
      topics: [{ name: 'orders', type: 'FIFO', queues: 2 }],
      groups: [{ name: 'billing', fifo: true }],
    });
    const b = await start(['--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1', '--bootstrap', file]);
    const c = connect(b.port);

    const route = await queryRoute(c, 'orders');
    expect(route.status.code).toBe('OK');
    expect(route.message_queues[0]!.accept_message_types).toEqual(['FIFO']);
    expect((await queryRoute(c, 'not-bootstrapped')).status.code).toBe('TOPIC_NOT_FOUND');

    // A second broker on the same data directory is refused.
    const second = await runToExit(['--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1']);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('DATA_DIR_LOCKED');
    expect(second.stderr).toContain(String(b.proc.pid));

    // SIGTERM answers a pending long poll early and exits 0.
    const pending = collect(c, 'ReceiveMessage', {
      group: { resource_namespace: '', name: 'billing' },
      message_queue: queueRef('orders', 0),
      filter_expression: { type: 'TAG', expression: '*' },
      batch_size: 1,
      invisible_duration: { seconds: 30, nanos: 0 },
      auto_renew: false,
      long_polling_timeout: { seconds: 15, nanos: 0 },
    }).catch((e: Error) => e);
    // A request sent after it on the same connection is answered: the broker has taken in the receive
    // (HTTP/2 keeps frame order on a connection), whose handler parks in its long poll straight away.
    expect((await queryRoute(c, 'orders')).status.code).toBe('OK');
    const stoppedAt = Date.now();
    const exit = await stop(b);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - stoppedAt).toBeLessThan(5000);
    const answer = await pending;
    if (answer instanceof Error) throw new Error(`the pending receive failed instead of being answered: ${answer.message}`);
    expect(answer.map((r) => r.content)).toEqual(['status', 'delivery_timestamp']);
    expect(answer[0]?.status?.code).toBe('MESSAGE_NOT_FOUND');

    const logs = b.logs();
    expect(logs.filter((l) => l.event === 'broker.start')).toHaveLength(1);
    expect(logs.filter((l) => l.event === 'broker.stop')).toHaveLength(1);
    const started = logs.find((l) => l.event === 'broker.start')!;
    expect(started).toMatchObject({ port: b.port, flush: 'async', autoCreate: false });
    expect(logs.findIndex((l) => l.event === 'broker.start')).toBeLessThan(logs.findIndex((l) => l.event === 'broker.stop'));
    // The lock is released.
    expect(fs.existsSync(path.join(dataDir, 'LOCK'))).toBe(false);
  });

  it('creates unknown topics only with --auto-create', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const b = await start(['--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1', '--auto-create']);
    const c = connect(b.port);
    expect((await queryRoute(c, 'made-on-the-fly')).status.code).toBe('OK');
    const sent = await sendOne(c, 'made-on-the-fly', messageId(), 'hello');
    expect(sent.status.code).toBe('OK');
    expect(b.logs().find((l) => l.event === 'broker.start')).toMatchObject({ autoCreate: true });
    expect(await stop(b)).toEqual({ code: 0, signal: null });

    // The same data directory without --auto-create: the created topic stays, unknown ones are not found.
    const again = await start(['--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1']);
    const c2 = connect(again.port);
    expect((await queryRoute(c2, 'made-on-the-fly')).status.code).toBe('OK');
    expect((await queryRoute(c2, 'another-one')).status.code).toBe('TOPIC_NOT_FOUND');
    expect((await sendOne(c2, 'another-one', messageId(), 'x')).status.code).toBe('TOPIC_NOT_FOUND');
    expect(await stop(again)).toEqual({ code: 0, signal: null });
  });
  it('logs one broker.stats line per SIGUSR2, each about the interval since the previous one', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const b = await start(['--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1']);
    const stats = () => b.logs().filter((l) => l.event === 'broker.stats');
    b.proc.kill('SIGUSR2');
    await waitUntil(() => stats().length === 1, { what: 'the first broker.stats line' });
    b.proc.kill('SIGUSR2');
    await waitUntil(() => stats().length === 2, { what: 'the second broker.stats line' });
    for (const line of stats()) {
      expect(line).toMatchObject({
        eventLoopDelayMs: { p50: expect.any(Number), p99: expect.any(Number), max: expect.any(Number), samples: expect.any(Number) },
        gc: { count: expect.any(Number), totalMs: expect.any(Number), maxMs: expect.any(Number) },
        cpuUs: { user: expect.any(Number), system: expect.any(Number) },
        memoryMb: { rss: expect.any(Number), heapUsed: expect.any(Number) },
      });
    }
    // The second interval starts at the first signal: it is the time between the two lines, not the time
    // since the start (which would be the first interval plus that).
    const [first, second] = stats() as [LogLine, LogLine];
    const between = Date.parse(String(second.time)) - Date.parse(String(first.time));
    expect(second.intervalMs as number).toBeLessThan((first.intervalMs as number) + between);
    expect(await stop(b)).toEqual({ code: 0, signal: null });
  });
});

describe('durability', () => {
  it('keeps every acknowledged send of a --flush sync broker across SIGKILL', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const file = writeBootstrap({ topics: [{ name: 'durable', queues: 4 }], groups: [{ name: 'auditor' }] });
    const b = await start(['--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1', '--flush', 'sync', '--bootstrap', file]);
    const c = connect(b.port);

    const total = 200;
    const killAfter = 100;
    const acked: string[] = [];
    let killed = false;
    let nextIndex = 0;
    // 20 senders in parallel; the broker is killed once 100 sends were acknowledged, with others in flight.
    const sender = async (): Promise<void> => {
      while (nextIndex < total) {
        const i = nextIndex++;
        const id = messageId();
        try {
          const r = await sendOne(c, 'durable', id, `message-${i}-${'x'.repeat(200)}`);
          if (r.status.code === 'OK') acked.push(id);
        } catch {
          // The broker is gone: not acknowledged.
        }
        if (!killed && acked.length >= killAfter) {
          killed = true;
          b.proc.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, sender));
    expect(await b.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(acked.length).toBeGreaterThanOrEqual(killAfter);
    expect(acked.length).toBeLessThan(total);
    c.close();

    // Restart on the same directory: the stale lock is taken over, and every acknowledged message is there.
    const again = await start(['--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1']);
    const c2 = connect(again.port);
    const stored = new Set<string>();
    for (let q = 0; q < 4; q++) for (const id of await pullAll(c2, 'auditor', 'durable', q)) stored.add(id);
    expect(acked.filter((id) => !stored.has(id))).toEqual([]);
    expect(await stop(again)).toEqual({ code: 0, signal: null });

    // And directly in the engine, by id.
    const broker = await Broker.open({ dataDir });
    try {
      const missing = acked.filter((id) => {
        try {
          return broker.getMessageById(id).topic !== 'durable';
        } catch {
          return true;
        }
      });
      expect(missing).toEqual([]);
    } finally {
      await broker.close();
    }
  });
});

describe('metrics port', () => {
  it('serves RocketMQ metrics on --metrics-port to a scraper with the token, and 401 to one without', async () => {
    const dir = tempDir();
    const tokenFile = path.join(dir, 'metrics-token');
    fs.writeFileSync(tokenFile, 'scrape-secret\n');
    const b = await start(['--data-dir', path.join(dir, 'data'), '--port', '0', '--host', '127.0.0.1', '--auto-create', '--broker-name', 'east-1', '--metrics-port', '0', '--metrics-token-file', tokenFile]);
    const line = b.logs().find((l) => l.event === 'broker.start')!;
    expect(line.metricsAuth).toBe('bearer');
    const url = `http://127.0.0.1:${line.metricsPort as number}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${line.metricsPort as number}/other`)).status).toBe(404);

    const c = connect(b.port);
    expect((await sendOne(c, 'orders', messageId(), 'hello')).status.code).toBe('OK');
    const res = await fetch(url, { headers: { authorization: 'Bearer scrape-secret' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    const samples = parsePrometheusText(text);
    expect(valueOf(samples, 'rocketmq_messages_in_total', { node_id: 'east-1', topic: 'orders', message_type: 'normal' })).toBe(1);
    expect(valueOf(samples, 'rocketmq_rpc_latency_count', { request_code: 'send_message', response_code: 'ok' })).toBe(1);
    expect(valueOf(samples, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(text).not.toContain('hello');
    expect(b.stdout()).not.toContain('scrape-secret');
    expect((await stop(b)).code).toBe(0);
  });

  it('refuses a bad --metrics-port and an empty token file with exit 2', async () => {
    const dir = tempDir();
    const bad = await runToExit(['--data-dir', path.join(dir, 'a'), '--port', '0', '--metrics-port', '70000']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--metrics-port');
    const empty = path.join(dir, 'empty');
    fs.writeFileSync(empty, '\n');
    const noToken = await runToExit(['--data-dir', path.join(dir, 'b'), '--port', '0', '--metrics-port', '0', '--metrics-token-file', empty]);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('empty');
  });
});
