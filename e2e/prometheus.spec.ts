/**
 * The shipped observability files against a real Prometheus: deploy/prometheus/prometheus.yml scrapes the
 * console (its default instance) and a standalone broker, SDK traffic flows through both, and every PromQL
 * expression of deploy/grafana/meridian-dashboard.json (template variables resolved as Grafana resolves
 * "All") must answer with data. Prometheus is Debian's package (scripts/ensure-prometheus.sh), run as a
 * child process on a free port with its own data directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Producer, SimpleConsumer, type MessageView } from 'rocketmq-client-nodejs';
import { createGroup, createTopic, defaultInstanceId, expect, GRPC, quiet, test, uniq } from './helpers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCRAPE_CONFIG = path.join(ROOT, 'deploy/prometheus/prometheus.yml');
const DASHBOARD = path.join(ROOT, 'deploy/grafana/meridian-dashboard.json');
/** The console's MERIDIAN_METRICS_TOKEN, set in playwright.config.ts (webServer.env). */
const CONSOLE_TOKEN = 'e2e-metrics-token';
const CONSOLE_PORT = Number(process.env.E2E_PORT ?? 3100);
/** What the dashboard's $__rate_interval becomes: Grafana's value is at least 4 scrape intervals (here 1 s). */
const RATE_INTERVAL = '1m';
/** The standalone broker's node_id: its data directory's name. */
const BROKER_NODE = 'prom-e2e-broker';
const CONSOLE_NODE = 'default';
const MESSAGES = 10;

interface Running {
  proc: ChildProcess;
  output: () => string;
}
interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}
interface QueryAnswer {
  status: 'success' | 'error';
  data?: { resultType: string; result: Sample[] };
  error?: string;
}
interface Target {
  expr?: string;
  refId?: string;
}
interface Panel {
  title?: string;
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  type: string;
  name: string;
  definition?: string;
  query?: string | { query?: string };
}
interface Dashboard {
  panels: Panel[];
  templating: { list: Variable[] };
}

/** The test's directory: token files, the broker's data, Prometheus's config and TSDB. */
let tmp = '';
const children: Running[] = [];
const clients: { shutdown(): Promise<void> }[] = [];

test.beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-prom-'));
});

test.afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.shutdown()));
  await Promise.all(children.map(({ proc }) => stopChild(proc)));
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Running {
  const proc = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const running = { proc, output: () => out };
  children.push(running);
  return running;
}

async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Polls `probe` until it returns a value (not undefined), or fails with what it last saw. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** A standalone broker (`npm run broker`) with a bearer-protected metrics port; resolves with both ports. */
async function startBroker(tokenFile: string): Promise<{ grpcPort: number; metricsPort: number }> {
  const dataDir = path.join(tmp, BROKER_NODE);
  const broker = run(process.execPath, ['--import', 'tsx', 'broker/main.ts', '--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1', '--auto-create', '--metrics-port', '0', '--metrics-token-file', tokenFile], {
    ...process.env,
    MERIDIAN_LOG_LEVEL: 'info',
  });
  const line = await until('the broker.start line', async () => {
    if (broker.proc.exitCode !== null) throw new Error(`the broker exited: ${broker.output()}`);
    for (const l of broker.output().split('\n')) {
      if (!l.startsWith('{')) continue;
      const j = JSON.parse(l) as { event?: string; port?: number; metricsPort?: number; metricsAuth?: string };
      if (j.event === 'broker.start') return j;
    }
    return undefined;
  });
  expect(line.metricsAuth).toBe('bearer');
  return { grpcPort: line.port!, metricsPort: line.metricsPort! };
}

/**
 * The example scrape config with this test's targets, token files and a 1 s scrape interval. A textual
 * substitution (the project has no YAML library): each value replaced must occur exactly once, so an edit of
 * the example that this test no longer matches fails here instead of silently testing something else.
 */
function testScrapeConfig(example: string, subs: [from: string, to: string][]): string {
  let text = example;
  for (const [from, to] of subs) {
    expect(text.split(from).length - 1, `"${from}" once in deploy/prometheus/prometheus.yml`).toBe(1);
    text = text.replace(from, to);
  }
  return text;
}

/** The jobs of a scrape config, each with its keys that the dashboard relies on (a line-based read). */
function jobsOf(yml: string): Map<string, Record<string, string>> {
  const jobs = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const raw of yml.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '');
    const job = /^\s*- job_name:\s*(\S+)/.exec(line);
    if (job) jobs.set(job[1]!, (current = {}));
    const kv = /^\s+(metrics_path|honor_labels|type|credentials_file):\s*(\S+)/.exec(line);
    if (kv && current) current[kv[1]!] = kv[2]!;
    const target = /^\s+- targets:\s*\[(.*)\]/.exec(line);
    if (target && current) current.targets = target[1]!.replace(/['"\s]/g, '');
  }
  return jobs;
}

/** Every PromQL expression of the dashboard, rows and nested panels included. */
function expressions(panels: Panel[], into: { panel: string; refId: string; expr: string }[] = []): { panel: string; refId: string; expr: string }[] {
  for (const p of panels) {
    for (const t of p.targets ?? []) if (t.expr) into.push({ panel: p.title ?? '?', refId: t.refId ?? '?', expr: t.expr });
    if (p.panels) expressions(p.panels, into);
  }
  return into;
}

/** Grafana's escaping of one multi-value variable value inside a Prometheus regex matcher. */
function regexEscape(value: string): string {
  return value.replace(/\\/g, '\\\\\\\\').replace(/[$^*{}[\]'+?.()|]/g, '\\\\$&');
}

function substitute(expr: string, vars: Map<string, string>): string {
  let out = expr.replaceAll('$__rate_interval', RATE_INTERVAL).replaceAll('${__rate_interval}', RATE_INTERVAL);
  for (const [name, value] of vars) out = out.replaceAll(`\${${name}}`, value).replace(new RegExp(`\\$${name}\\b`, 'g'), value);
  return out;
}

/** Sends messages and consumes them so every dashboard series exists: acks, one redelivery, one left in flight. */
async function traffic(endpoints: string, topic: string, group: string, whenFirstScraped: () => Promise<void>): Promise<void> {
  const consumer = new SimpleConsumer({ endpoints, namespace: '', consumerGroup: group, subscriptions: new Map([[topic, '*']]), awaitDuration: 1000, logger: quiet });
  await consumer.startup();
  clients.push(consumer);
  const producer = new Producer({ endpoints, namespace: '', topics: [topic], logger: quiet });
  await producer.startup();
  clients.push(producer);
  // Sizes across RocketMQ's first size buckets (1 KiB, 4 KiB).
  const body = (i: number) => Buffer.from(`message ${i} `.repeat(1 + i * 60));
  // One message sent, received and acked, and scraped before the rest: rates and histogram quantiles need an
  // increase between two samples of a series.
  await producer.send({ topic, tag: 'first', body: body(0) });
  const first = await until(`the first message on ${endpoints}`, async () => {
    const ms = await consumer.receive(16, 1_000);
    return ms.length > 0 ? ms : undefined;
  });
  for (const m of first) await consumer.ack(m);
  await whenFirstScraped();
  for (let i = 1; i < MESSAGES; i++) await producer.send({ topic, tag: 'rest', keys: [`k${i}`], body: body(i) });
  // A send the broker refuses (response_code other than ok).
  await expect(producer.send({ topic: '%bad%', body: body(0) })).rejects.toThrow();

  const received: MessageView[] = [];
  await until(`${MESSAGES - 1} more messages on ${endpoints}`, async () => {
    received.push(...(await consumer.receive(16, 1_000)));
    return received.length >= MESSAGES - 1 ? true : undefined;
  });
  // Two stay un-acked: visible again after 1 s, redelivered (is_retry="true").
  for (const m of received.slice(2)) await consumer.ack(m);
  const again = await until(`a redelivery on ${endpoints}`, async () => {
    const ms = await consumer.receive(16, 60_000);
    return ms.length > 0 ? ms : undefined;
  });
  // One redelivery acked, the other left in flight for a minute: lag and in-flight stay above 0.
  await consumer.ack(again[0]!);
}

test('Prometheus with the example scrape config answers every expression of the Grafana dashboard', async ({ admin: page }) => {
  test.setTimeout(120_000);
  const started = Date.now();
  const prometheusBin = ['/usr/bin/prometheus', ...(process.env.PATH ?? '').split(':').map((d) => path.join(d, 'prometheus'))].find((p) => fs.existsSync(p));
  expect(prometheusBin, 'prometheus is installed (bash scripts/ensure-prometheus.sh)').toBeTruthy();

  // The example config names the jobs and settings the dashboard relies on.
  const example = fs.readFileSync(SCRAPE_CONFIG, 'utf8');
  const jobs = jobsOf(example);
  expect([...jobs.keys()]).toEqual(['meridian-console', 'meridian-broker']);
  expect(jobs.get('meridian-console')).toMatchObject({ metrics_path: '/metrics', honor_labels: 'true', type: 'Bearer', targets: 'localhost:3000' });
  expect(jobs.get('meridian-broker')).toMatchObject({ metrics_path: '/metrics', type: 'Bearer', targets: 'localhost:5557' });

  const brokerToken = 'broker-metrics-token';
  const brokerTokenFile = path.join(tmp, 'broker.token');
  const consoleTokenFile = path.join(tmp, 'console.token');
  // With trailing newlines, as `echo` or `tee` leave them: both sides trim them.
  fs.writeFileSync(brokerTokenFile, `${brokerToken}\n`);
  fs.writeFileSync(consoleTokenFile, `${CONSOLE_TOKEN}\n`);
  const broker = await startBroker(brokerTokenFile);
  const brokerEndpoint = `127.0.0.1:${broker.grpcPort}`;

  const config = testScrapeConfig(example, [
    ['scrape_interval: 15s', 'scrape_interval: 1s'],
    ['evaluation_interval: 15s', 'evaluation_interval: 1s'],
    ["'localhost:3000'", `'localhost:${CONSOLE_PORT}'`],
    ["'localhost:5557'", `'127.0.0.1:${broker.metricsPort}'`],
    ['credentials_file: /etc/prometheus/meridian-console.token', `credentials_file: ${consoleTokenFile}`],
    ['credentials_file: /etc/prometheus/meridian-broker.token', `credentials_file: ${brokerTokenFile}`],
  ]);
  const configFile = path.join(tmp, 'prometheus.yml');
  fs.writeFileSync(configFile, config);
  const promPort = await freePort();
  const prom = run(prometheusBin!, [`--config.file=${configFile}`, `--storage.tsdb.path=${path.join(tmp, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn']);
  const PROM = `http://127.0.0.1:${promPort}`;
  const query = async (promql: string): Promise<Sample[]> => {
    const res = await fetch(`${PROM}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as QueryAnswer;
    if (body.status !== 'success' || !body.data) throw new Error(`${promql}: ${body.error ?? res.status}`);
    return body.data.result;
  };
  /** Resolves once `promql` answers one sample per node in `nodes` (by the node_id label). */
  const seenOn = (what: string, promql: string, nodes = [CONSOLE_NODE, BROKER_NODE]) =>
    until(what, async () => {
      const got = (await query(promql)).map((s) => s.metric.node_id);
      if (nodes.every((n) => got.includes(n))) return true;
      throw new Error(`${promql} answered for [${got.join(', ')}]`);
    });

  await until('Prometheus ready', async () => {
    if (prom.proc.exitCode !== null) throw new Error(`prometheus exited: ${prom.output()}`);
    return (await fetch(`${PROM}/-/ready`).catch(() => undefined))?.ok ? true : undefined;
  });
  // Both targets up: the bearer tokens work, honor_labels keeps the console's instance label.
  await until('both scrape targets up', async () => {
    const res = (await (await fetch(`${PROM}/api/v1/targets?state=active`)).json()) as { data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] } };
    const bad = res.data.activeTargets.filter((t) => t.health !== 'up');
    if (res.data.activeTargets.length === 2 && bad.length === 0) return true;
    throw new Error(JSON.stringify(res.data.activeTargets.map((t) => [t.labels.job, t.health, t.lastError])));
  });
  const consoleSeries = await query('rocketmq_topic_number{job="meridian-console"}');
  expect(consoleSeries.map((s) => s.metric.instance)).toContain(CONSOLE_NODE);
  expect(consoleSeries.every((s) => s.metric.exported_instance === undefined)).toBe(true);

  // SDK traffic through the console's default instance and the standalone broker at once.
  const request = page.request;
  const instanceId = await defaultInstanceId(request);
  const consoleTopic = uniq('prom');
  const consoleGroup = uniq('prom-group');
  await createTopic(request, instanceId, consoleTopic);
  await createGroup(request, instanceId, consoleGroup);
  const brokerTopic = uniq('prom-broker');
  const brokerGroup = uniq('prom-broker-group');
  const topics = `${consoleTopic}|${brokerTopic}`;
  // Both traffic runs wait on one poll, started by the first to ask.
  let firstScraped: Promise<boolean> | undefined;
  const whenFirstScraped = async () => {
    await (firstScraped ??= seenOn('the first message scraped', `rocketmq_messages_out_total{topic=~"${topics}"}`));
  };
  await Promise.all([traffic(GRPC, consoleTopic, consoleGroup, whenFirstScraped), traffic(brokerEndpoint, brokerTopic, brokerGroup, whenFirstScraped)]);

  // Scraped after the traffic, with two samples of the newest series (so their rates exist).
  await seenOn('all messages scraped', `sum by (node_id) (rocketmq_messages_in_total{topic=~"${topics}"}) == ${MESSAGES}`);
  await seenOn('the redeliveries scraped twice', `count by (node_id) (rate(rocketmq_messages_out_total{topic=~"${topics}", is_retry="true"}[${RATE_INTERVAL}]))`);
  await seenOn('the refused sends scraped twice', `count by (node_id) (rate(rocketmq_rpc_latency_count{response_code!="ok"}[${RATE_INTERVAL}]))`);
  await seenOn('the lag', `sum by (node_id) (rocketmq_consumer_lag_messages{topic=~"${topics}"}) > 0`);
  await seenOn('the message in flight', `sum by (node_id) (rocketmq_consumer_inflight_messages{topic=~"${topics}"}) > 0`);

  // The template variables as Grafana resolves them with "All" selected: every value, regex-escaped.
  const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as Dashboard;
  const vars = new Map<string, string>();
  for (const v of dashboard.templating.list) {
    if (v.type !== 'query') continue;
    const definition = v.definition ?? (typeof v.query === 'string' ? v.query : v.query?.query) ?? '';
    const m = /^label_values\((?:(.+),\s*)?(\w+)\)$/.exec(definition.trim());
    expect(m, `variable ${v.name}: label_values(...) query`).toBeTruthy();
    const [, selector, label] = m!;
    const url = `${PROM}/api/v1/label/${label}/values${selector ? `?match[]=${encodeURIComponent(substitute(selector, vars))}` : ''}`;
    const values = ((await (await fetch(url)).json()) as { data: string[] }).data;
    expect(values.length, `variable ${v.name} (${definition}) has values`).toBeGreaterThan(0);
    vars.set(v.name, `(${values.map(regexEscape).join('|')})`);
  }
  expect(vars.get('instance')).toContain(CONSOLE_NODE);
  expect(vars.get('instance')).toContain(BROKER_NODE);
  for (const name of ['topic', 'group', 'job']) expect(vars.has(name), `variable ${name}`).toBe(true);

  const exprs = expressions(dashboard.panels);
  expect(exprs.length).toBeGreaterThan(20);
  const failures: string[] = [];
  for (const { panel, refId, expr } of exprs) {
    const promql = substitute(expr, vars);
    const where = `"${panel}" ${refId}: ${promql}`;
    if (promql.includes('$')) {
      failures.push(`${where}: an unresolved variable`);
      continue;
    }
    try {
      const result = await query(promql);
      const finite = result.filter((s) => Number.isFinite(Number(s.value[1])));
      if (finite.length === 0) failures.push(`${where}: ${result.length === 0 ? 'no data' : `only ${result.map((s) => s.value[1]).join(', ')}`}`);
      // Per-instance panels show both the console's instance and the standalone broker.
      const nodes = new Set(result.map((s) => s.metric.node_id).filter((n) => n !== undefined));
      if (nodes.size > 0 && !(nodes.has(CONSOLE_NODE) && nodes.has(BROKER_NODE))) failures.push(`${where}: only node_id ${[...nodes].join(', ')}`);
    } catch (e) {
      failures.push(`${where}: ${(e as Error).message}`);
    }
  }
  expect(failures, `dashboard expressions without data:\n${failures.join('\n')}`).toEqual([]);
  console.log(`prometheus.spec: ${exprs.length} expressions answered, ${Date.now() - started} ms`);
});
