import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmbeddedBrokerAdmin } from './broker-admin.ts';
import { waitUntil } from './broker/test-support.ts';
import { testInstance } from './console-test-env.ts';
import { Runtime, type InstanceSpec } from './runtime.ts';

const dirs: string[] = [];
const runtimes: Runtime[] = [];

function newRuntime(sampleMs?: number): Runtime {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-runtime-'));
  dirs.push(dir);
  const rt = new Runtime(dir, sampleMs);
  runtimes.push(rt);
  return rt;
}

function spec(over: Partial<InstanceSpec> = {}): InstanceSpec {
  return testInstance(over.id ?? 'i1', over);
}

afterEach(async () => {
  vi.useRealTimers();
  for (const rt of runtimes.splice(0)) await rt.stopAll();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('Runtime', () => {
  it('starts an engine and a gRPC endpoint per instance, each with its own data directory', async () => {
    const rt = newRuntime();
    const a = await rt.start(spec({ id: 'a', name: 'alpha' }));
    const b = await rt.start(spec({ id: 'b', name: 'beta' }));
    expect([a.status, b.status]).toEqual(['running', 'running']);
    expect(a.endpoint!.port).not.toBe(b.endpoint!.port);
    a.broker!.createTopic({ name: 'only-in-alpha' });
    expect(b.broker!.listTopics()).toEqual([]);
    expect(fs.existsSync(rt.dataDirOf({ name: 'alpha' }))).toBe(true);
    const admin = new EmbeddedBrokerAdmin({ ...a, broker: a.broker! });
    expect(await admin.summary()).toMatchObject({ topics: 1, groups: 0, clients: 0, messages: 0 });
  });

  it('keeps a start failure as the instance status instead of throwing', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '0.0.0.0', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const rt = newRuntime();
      const entry = await rt.start(spec({ grpcPort: port }));
      expect(entry.status).toBe('error');
      expect(entry.error).toBeTruthy();
      expect(entry.broker).toBeUndefined();
      // The data directory was released: the instance can start once the port is free.
      blocker.close();
      const again = await rt.start(spec({ grpcPort: 0 }));
      expect(again.status).toBe('running');
    } finally {
      blocker.close();
    }
  });

  it('restarting an instance with a new spec reopens the same data', async () => {
    const rt = newRuntime();
    const first = await rt.start(spec());
    first.broker!.createTopic({ name: 'kept' });
    const second = await rt.start(spec({ flushMode: 'sync' }));
    expect(second.broker!.flushMode).toBe('sync');
    expect(second.broker!.listTopics().map((t) => t.name)).toEqual(['kept']);
    await rt.stop('i1');
    expect(rt.get('i1')).toBeUndefined();
  });

  it('turns stored and delivered counts into per-second rates', async () => {
    // Sampled by hand (no timer) on a faked Date: the windows are exactly one second whatever the machine's load.
    const rt = newRuntime(3_600_000);
    const entry = await rt.start(spec());
    const broker = entry.broker!;
    broker.createTopic({ name: 't' });
    broker.createGroup({ name: 'g' });
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.now();
    rt.sampleRates();
    for (let i = 0; i < 20; i++) await broker.put({ topic: 't', body: `m${i}` });
    const got = await broker.receive({ group: 'g', topic: 't', maxMessages: 10, invisibleMs: 5000, waitMs: 0 });
    expect(got).toHaveLength(10);
    // The trace events of these puts and deliveries are written in the background, in order, in batches:
    // once the last delivery's event is stored, nothing more is written until the engine is used again.
    const last = got.at(-1)!.message.messageId;
    await waitUntil(async () => (await broker.traceOf(last)).some((e) => e.step === 'DELIVERED'), { what: 'the trace events to be stored' });
    vi.setSystemTime(t0 + 1000);
    rt.sampleRates();
    expect(entry.rates.inPerSec).toBeGreaterThanOrEqual(20);
    expect(entry.rates.outPerSec).toBe(10);
    vi.setSystemTime(t0 + 2000);
    rt.sampleRates();
    expect(entry.rates).toEqual({ inPerSec: 0, outPerSec: 0 });
  });
});
