/**
 * `npm run broker -- [flags]`: a standalone broker (engine + RocketMQ v2 gRPC endpoint) without the console.
 */
import fs from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { addressProblem, Broker, BrokerError, DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_QUEUES, DEFAULT_RETENTION_HOURS, logger, PasswordSchema, UsernameSchema } from '../server/broker/index.ts';
import { startMetrics, type MetricsHandle } from '../server/metrics-export.ts';
import { startOtel } from '../server/otel.ts';
import { applyBootstrap, BootstrapError, readBootstrap } from './bootstrap.ts';
import { DEFAULT_LONG_POLLING_MS, GrpcEndpoint, readTlsFiles } from './grpc/server.ts';
import { loopDelayMonitor, loopDelayMs } from './loop-delay.ts';
import { startMetricsServer } from './metrics-server.ts';

/** The RocketMQ proxy's gRPC port. */
const DEFAULT_PORT = 8081;

const HELP = `Usage: npm run broker -- [options]

Starts a Meridian broker: the storage engine and the RocketMQ 5 gRPC endpoint (the SDKs' protocol).

Options:
  --data-dir <dir>       Data directory (default ./data/broker). One process at a time.
  --port <n>             gRPC port (default ${DEFAULT_PORT}; 0 picks a free one).
  --host <addr>          Address to listen on (default 0.0.0.0).
  --flush sync|async     sync: a send is acknowledged after fdatasync (group commit);
                         async (default): after the OS has the bytes (survives a crash of the broker).
  --bootstrap <file>     Create or update namespaces, topics, groups, ACL users and policies from a JSON file
                         (users and acls in Apache RocketMQ's ACL 2.0 shape; never deleted):
                         {"namespaces":["ns1"],"topics":[{"name":"orders","namespace":"ns1","type":"NORMAL","queues":8}],
                          "groups":[{"name":"billing","namespace":"ns1","fifo":false,"maxDeliveryAttempts":16}],
                          "users":[{"username":"app","password":"…","userType":"NORMAL","userStatus":"ENABLE"}],
                          "acls":[{"subject":"User:app","policies":[{"policyType":"CUSTOM","entries":[
                            {"resource":"Topic:ns1%orders","actions":["PUB","SUB"],"sourceIps":["10.0.0.0/8"],"decision":"ALLOW"}]}]}]}
  --acl                  Turn authentication (request signatures) and authorization (ACL 2.0 policies) on, and
                         keep them on. Without it the instance keeps what it had (off on a new data directory:
                         then anyone who can reach the port may produce and consume).
  --acl-super-user <name>
                         Create or update this SUPER user at start, its password read from
                         --acl-super-password-file <file> (first line) or MERIDIAN_ACL_SUPER_PASSWORD.
  --allow-ip <addr|cidr> Only these addresses may connect (repeatable; IPv4 or IPv6, e.g. 10.0.0.0/8). Replaces
                         the stored allow-list; without it the stored one stays (empty: every address).
  --max-tps <n>          Messages per second the broker accepts from producers (0: unlimited); over it sends
                         get TOO_MANY_REQUESTS and the SDKs retry. Stored; without the flag the stored limit stays.
  --max-receive-tps <n>  Messages per second delivered to consumers (0: unlimited). Stored likewise.
  --tls-cert <file>      PEM certificate chain; with --tls-key, gRPC is served over TLS only (SDK sslEnabled).
  --tls-key <file>       PEM private key for --tls-cert.
  --auto-create          Create unknown topics on first send (type from the message, ${DEFAULT_QUEUES} queues) and
                         groups on first sight. Off by default: unknown ones get NOT_FOUND statuses.
  --max-message-size <b> Largest message body in bytes (default ${DEFAULT_MAX_MESSAGE_SIZE}).
  --retention-hours <h>  Delete commit-log segments older than this (default ${DEFAULT_RETENTION_HOURS}).
  --trace-retention-hours <h>
                         Delete trace events older than this (default: the retention hours).
  --no-trace             Record no trace events and emit no spans (a trace then shows only the send and
                         the store, read off the message).
  --long-polling-ms <ms> Longest a receive waits for messages (default ${DEFAULT_LONG_POLLING_MS}).
  --broker-name <name>   The broker's name in routes and its metrics' node_id label (default: the data
                         directory's name). Give each broker of a deployment its own.
  --metrics-port <n>     Serve GET /metrics (Prometheus text: RocketMQ's metric names) on this port.
  --metrics-host <addr>  Address for the metrics port (default: --host).
  --metrics-token-file <file>
                         Scrapes must send "Authorization: Bearer <the file's first line>". Without it (or
                         MERIDIAN_METRICS_TOKEN) the metrics port is open to whoever can reach it.
  --client-metrics-endpoint <host:port>
                         Tell SDKs to push their client metrics to this OTLP/gRPC collector (Settings.metric).
  --help                 Show this help.

Environment: MERIDIAN_LOG_LEVEL (trace|debug|info|warn|error|silent, default info).
OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: export trace spans over OTLP/HTTP;
OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: push metrics over OTLP/HTTP every
OTEL_METRIC_EXPORT_INTERVAL ms (default 60000). MERIDIAN_METRICS_TOKEN: the metrics bearer token.
Stops gracefully on SIGTERM / SIGINT: in-flight requests finish, files are flushed and closed.
SIGUSR2 logs one "broker.stats" line at info level (event-loop delay p50/p99/max in ms, GC pauses, CPU and
memory since the previous SIGUSR2 or the start) and starts a new interval: send it before and after a load to
measure that load. Event-loop delay and GC are measured from the first SIGUSR2 on.`;

function fail(message: string): never {
  logger.error({ event: 'broker.start_failed' }, message);
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function intFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) fail(`--${name} must be a non-negative number, got "${value}"`);
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        'data-dir': { type: 'string', default: './data/broker' },
        port: { type: 'string', default: String(DEFAULT_PORT) },
        host: { type: 'string', default: '0.0.0.0' },
        flush: { type: 'string', default: 'async' },
        bootstrap: { type: 'string' },
        'auto-create': { type: 'boolean', default: false },
        'max-message-size': { type: 'string' },
        'retention-hours': { type: 'string' },
        'trace-retention-hours': { type: 'string' },
        'no-trace': { type: 'boolean', default: false },
        'long-polling-ms': { type: 'string' },
        'broker-name': { type: 'string' },
        'metrics-port': { type: 'string' },
        'metrics-host': { type: 'string' },
        'metrics-token-file': { type: 'string' },
        'client-metrics-endpoint': { type: 'string' },
        acl: { type: 'boolean', default: false },
        'acl-super-user': { type: 'string' },
        'acl-super-password-file': { type: 'string' },
        'allow-ip': { type: 'string', multiple: true },
        'max-tps': { type: 'string' },
        'max-receive-tps': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (e) {
    fail(`${(e as Error).message}\n\n${HELP}`);
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  // Every flag is checked before the data directory is touched.
  const flush = values.flush;
  if (flush !== 'sync' && flush !== 'async') fail(`--flush must be sync or async, got "${flush}"`);
  const port = intFlag('port', values.port, DEFAULT_PORT);
  if (!Number.isInteger(port) || port > 65535) fail(`--port must be an integer from 0 to 65535, got "${values.port}"`);
  const maxMessageSize = intFlag('max-message-size', values['max-message-size'], DEFAULT_MAX_MESSAGE_SIZE);
  const retentionHours = intFlag('retention-hours', values['retention-hours'], DEFAULT_RETENTION_HOURS);
  const traceRetentionHours = intFlag('trace-retention-hours', values['trace-retention-hours'], retentionHours);
  const longPollingMs = intFlag('long-polling-ms', values['long-polling-ms'], DEFAULT_LONG_POLLING_MS);
  const bootstrap = values.bootstrap ? readBootstrapOrFail(values.bootstrap) : undefined;
  const brokerName = values['broker-name'];
  if (brokerName !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(brokerName)) fail(`--broker-name must be 1-64 letters, digits, '_', '-' or '.', got "${brokerName}"`);
  const metricsPort = values['metrics-port'] === undefined ? undefined : intFlag('metrics-port', values['metrics-port'], 0);
  if (metricsPort !== undefined && (!Number.isInteger(metricsPort) || metricsPort > 65535)) fail(`--metrics-port must be an integer from 0 to 65535, got "${values['metrics-port']}"`);
  const metricsToken = values['metrics-token-file'] ? readFirstLineOrFail('metrics-token-file', values['metrics-token-file'], 'token') : process.env.MERIDIAN_METRICS_TOKEN || undefined;
  const access = accessFlags(values);
  const tls = tlsFlags(values['tls-cert'], values['tls-key']);

  // Before the broker opens: it checks once whether an SDK is registered.
  const otel = values['no-trace'] ? undefined : startOtel();
  // Only when something reads metrics: a scrape port or an OTLP collector.
  const metrics: MetricsHandle | undefined =
    metricsPort !== undefined || process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT ? startMetrics() : undefined;
  let broker: Broker;
  try {
    broker = await Broker.open({
      dataDir: values['data-dir']!,
      flush,
      maxMessageSize,
      retentionHours,
      traceRetentionHours,
      trace: !values['no-trace'],
      ...(brokerName ? { metrics: { labels: { node_id: brokerName } } } : {}),
    });
  } catch (e) {
    fail(e instanceof BrokerError ? `${e.code}: ${e.message}` : String(e));
  }
  let endpoint: GrpcEndpoint;
  try {
    if (bootstrap) applyBootstrap(broker, bootstrap);
    applyAccessFlags(broker, access);
    endpoint = await GrpcEndpoint.start({
      broker,
      port,
      host: values.host!,
      autoCreate: values['auto-create']!,
      longPollingMs,
      ...(brokerName ? { brokerName } : {}),
      ...(values['client-metrics-endpoint'] ? { clientMetricsEndpoint: values['client-metrics-endpoint'] } : {}),
      ...(tls ? { tls } : {}),
    });
  } catch (e) {
    await broker.close();
    fail(e instanceof BrokerError ? `${e.code}: ${e.message}` : `Cannot start on ${values.host}:${port}: ${(e as Error).message}`);
  }
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  if (metrics && metricsPort !== undefined) {
    const metricsHost = values['metrics-host'] ?? values.host!;
    try {
      metricsServer = await startMetricsServer({ host: metricsHost, port: metricsPort, scrape: () => metrics.scrape(), ...(metricsToken ? { token: metricsToken } : {}) });
    } catch (e) {
      await endpoint.close();
      await broker.close();
      fail(`Cannot serve metrics on ${metricsHost}:${metricsPort}: ${(e as Error).message}`);
    }
  }
  // Before the start line: a SIGUSR2 sent by whoever waits for that line must not meet the default action (exit).
  logStatsOnSignal();
  logger.info(
    {
      event: 'broker.start',
      port: endpoint.port,
      dataDir: values['data-dir'],
      flush,
      autoCreate: values['auto-create'],
      tls: endpoint.tls,
      authentication: broker.access.settings.authentication,
      authorization: broker.access.settings.authorization,
      recovery: broker.recovery,
      ...(metricsServer ? { metricsPort: metricsServer.port, metricsAuth: metricsToken ? 'bearer' : 'open' } : {}),
    },
    `Meridian broker ready on port ${endpoint.port}`,
  );

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: 'broker.stopping', signal }, 'shutting down');
    await metricsServer?.close();
    await endpoint.close();
    await broker.close();
    await Promise.all([otel?.shutdown(), metrics?.shutdown()]);
    logger.info({ event: 'broker.stop', signal }, 'Meridian broker stopped');
    // Every handle is closed now; exit even if a library left a timer behind.
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/**
 * On SIGUSR2: one `broker.stats` log line about the interval since the previous one (or the start), then a
 * new interval. The event-loop and GC monitors start at the first signal, so a broker nobody asks pays nothing.
 */
function logStatsOnSignal(): void {
  const loop = loopDelayMonitor();
  let gc = { count: 0, totalMs: 0, maxMs: 0 };
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.count++;
      gc.totalMs += e.duration;
      gc.maxMs = Math.max(gc.maxMs, e.duration);
    }
  });
  let monitoring = false;
  let since = performance.now();
  let cpu0 = process.cpuUsage();
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  process.on('SIGUSR2', () => {
    const cpu = process.cpuUsage(cpu0);
    const mem = process.memoryUsage();
    logger.info(
      {
        event: 'broker.stats',
        intervalMs: Math.round(performance.now() - since),
        eventLoopDelayMs: loopDelayMs(loop),
        gc: { count: gc.count, totalMs: round(gc.totalMs), maxMs: round(gc.maxMs) },
        cpuUs: { user: cpu.user, system: cpu.system },
        memoryMb: { rss: Math.round(mem.rss / 2 ** 20), heapUsed: Math.round(mem.heapUsed / 2 ** 20) },
      },
      'stats',
    );
    if (!monitoring) {
      monitoring = true;
      loop.enable();
      gcObserver.observe({ entryTypes: ['gc'] });
    }
    loop.reset();
    gc = { count: 0, totalMs: 0, maxMs: 0 };
    since = performance.now();
    cpu0 = process.cpuUsage();
  });
}

/** A secret file's first line, which must not be empty. */
function readFirstLineOrFail(flag: string, file: string, what: string): string {
  let line: string;
  try {
    line = fs.readFileSync(file, 'utf8').split(/\r?\n/)[0]!.trim();
  } catch (e) {
    fail(`Cannot read --${flag} ${file}: ${(e as Error).message}`);
  }
  if (!line) fail(`--${flag} ${file} is empty; put the ${what} on its first line`);
  return line;
}

interface AccessFlags {
  acl: boolean;
  superUser?: { username: string; password: string };
  allowIps?: string[];
  maxTps?: number;
  maxReceiveTps?: number;
}

/** The ACL, allow-list and limit flags, checked before the data directory is touched. */
function accessFlags(values: {
  acl?: boolean;
  'acl-super-user'?: string;
  'acl-super-password-file'?: string;
  'allow-ip'?: string[];
  'max-tps'?: string;
  'max-receive-tps'?: string;
}): AccessFlags {
  const flags: AccessFlags = { acl: values.acl === true };
  const user = values['acl-super-user'];
  if (user !== undefined) {
    const name = UsernameSchema.safeParse(user);
    if (!name.success) fail(`--acl-super-user: ${name.error.issues[0]!.message}, got "${user}"`);
    const file = values['acl-super-password-file'];
    const password = file ? readFirstLineOrFail('acl-super-password-file', file, 'password') : process.env.MERIDIAN_ACL_SUPER_PASSWORD;
    if (!password) fail('--acl-super-user needs a password: --acl-super-password-file <file> or MERIDIAN_ACL_SUPER_PASSWORD');
    const checked = PasswordSchema.safeParse(password);
    if (!checked.success) fail(`The password of --acl-super-user: ${checked.error.issues[0]!.message}`);
    flags.superUser = { username: name.data, password };
  } else if (values['acl-super-password-file']) fail('--acl-super-password-file needs --acl-super-user <name>');
  if (values['allow-ip']) {
    for (const a of values['allow-ip']) {
      const problem = addressProblem(a.trim());
      if (problem) fail(`--allow-ip: ${problem}`);
    }
    flags.allowIps = values['allow-ip'].map((a) => a.trim());
  }
  if (values['max-tps'] !== undefined) flags.maxTps = tpsFlag('max-tps', values['max-tps']);
  if (values['max-receive-tps'] !== undefined) flags.maxReceiveTps = tpsFlag('max-receive-tps', values['max-receive-tps']);
  return flags;
}

function tpsFlag(name: string, value: string): number {
  const n = intFlag(name, value, 0);
  if (!Number.isInteger(n) || n > 10_000_000) fail(`--${name} must be a whole number of messages per second from 0 (unlimited) to 10000000, got "${value}"`);
  return n;
}

/** Stored in the data directory, so later changes (console, admin API) persist and flags only override. */
function applyAccessFlags(broker: Broker, f: AccessFlags): void {
  if (f.superUser) broker.access.upsertUser({ ...f.superUser, userType: 'SUPER', userStatus: 'ENABLE' });
  if (f.acl) broker.access.updateSettings({ authentication: true, authorization: true });
  if (f.allowIps) broker.access.updateSettings({ allowIps: f.allowIps });
  if (f.maxTps !== undefined || f.maxReceiveTps !== undefined) {
    const limits = broker.access.limits;
    const limit = (n: number | undefined, current: typeof limits.send) => (n === undefined ? current : n === 0 ? null : { perSecond: n });
    broker.access.setLimits({ ...limits, send: limit(f.maxTps, limits.send), receive: limit(f.maxReceiveTps, limits.receive) });
  }
  const { authentication } = broker.access.settings;
  if (authentication && !broker.access.listUsers().some((u) => u.userStatus === 'ENABLE')) {
    logger.warn({ event: 'acl.no_users' }, 'Authentication is on but no enabled user exists: every request will be refused. Add one with --acl-super-user or the bootstrap file.');
  }
  if (!authentication) logger.warn({ event: 'acl.off' }, 'ACL is off: anyone who can reach the gRPC port may produce and consume (start with --acl to require credentials)');
}

function tlsFlags(cert: string | undefined, key: string | undefined) {
  if (!cert && !key) return undefined;
  if (!cert || !key) fail('--tls-cert and --tls-key go together: give both PEM files');
  try {
    return readTlsFiles(cert, key);
  } catch (e) {
    fail((e as Error).message);
  }
}

function readBootstrapOrFail(file: string) {
  try {
    return readBootstrap(file);
  } catch (e) {
    fail(e instanceof BootstrapError ? e.message : String(e));
  }
}

await main();
