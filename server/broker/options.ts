import { BrokerError } from './errors.ts';
import { DEFAULT_MAX_DELAY_MS, DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_RETENTION_HOURS, traceRetentionError } from './rules.ts';
import type { FlushMode } from './store/message-store.ts';

/** How a broker's series are labelled in `engineMetricProducer`'s collections. */
export interface BrokerMetricsOptions {
  /** Added to RocketMQ's `cluster`, `node_type`, `node_id` (node_id defaults to the data directory's name). */
  labels?: Record<string, string>;
  /** false: count nothing and publish nothing (what the metrics bench compares against). Default true. */
  enabled?: boolean;
}

export interface BrokerOptions {
  dataDir: string;
  metrics?: BrokerMetricsOptions;
  flush?: FlushMode;
  /** Commit-log segment size in bytes (default 1 GiB). */
  segmentSize?: number;
  /** Largest accepted body in bytes (default 4 MiB). */
  maxMessageSize?: number;
  /** Commit-log segments older than this are deleted (default 72). */
  retentionHours?: number;
  /** Trace events older than this are deleted and no longer read (default and at most: retentionHours). */
  traceRetentionHours?: number;
  /** Record trace events and emit their spans (default true). Off: a trace shows only what the stored record says. */
  trace?: boolean;
  retentionCheckIntervalMs?: number;
  cqEntriesPerFile?: number;
  indexSlots?: number;
  indexEntries?: number;
  checkpointIntervalMs?: number;
  /** Furthest ahead a scheduled message may be due (default 40 days). */
  maxDelayMs?: number;
  /** Transaction check-back cadence (RocketMQ: first after 6 s, then every 30 s, 15 times, then rollback). */
  txnFirstCheckMs?: number;
  txnCheckIntervalMs?: number;
  txnMaxChecks?: number;
}

export type ResolvedOptions = Required<BrokerOptions>;

/** The limits an instance enforces, for front-ends that check or advertise them before calling in. */
export interface BrokerLimits {
  maxMessageSize: number;
  maxDelayMs: number;
}

/** RocketMQ's commit-log segment size: big enough that rolling is rare, small enough to delete whole. */
const SEGMENT_BYTES = 1024 * 1024 * 1024;
/** Retention deletes whole segments, which age by hours: a check a minute is plenty. */
const RETENTION_CHECK_INTERVAL_MS = 60_000;
/** RocketMQ's mappedFileSizeConsumeQueue: 300,000 entries of 20 B = 6 MB per consume-queue file. */
const CQ_ENTRIES_PER_FILE = 300_000;
/** Hash slots and entries per index file (RocketMQ uses 5M/20M; a quarter keeps a file at ~44 MB). */
const INDEX_SLOTS = 500_000;
const INDEX_ENTRIES = 1_000_000;
/** How far recovery may have to replay: one second of traffic, at the cost of one fsync a second. */
const CHECKPOINT_INTERVAL_MS = 1000;
/** RocketMQ's transaction check-back: first after 6 s, then every 30 s, 15 times, then rollback. */
const TXN_FIRST_CHECK_MS = 6_000;
const TXN_CHECK_INTERVAL_MS = 30_000;
const TXN_MAX_CHECKS = 15;
/** A segment must hold the largest record plus the blank marker and headers; 64 KiB is ample headroom. */
const SEGMENT_HEADROOM_BYTES = 64 * 1024;

const DEFAULTS: Omit<ResolvedOptions, 'dataDir' | 'traceRetentionHours'> = {
  flush: 'async',
  segmentSize: SEGMENT_BYTES,
  maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE,
  retentionHours: DEFAULT_RETENTION_HOURS,
  retentionCheckIntervalMs: RETENTION_CHECK_INTERVAL_MS,
  cqEntriesPerFile: CQ_ENTRIES_PER_FILE,
  indexSlots: INDEX_SLOTS,
  indexEntries: INDEX_ENTRIES,
  checkpointIntervalMs: CHECKPOINT_INTERVAL_MS,
  maxDelayMs: DEFAULT_MAX_DELAY_MS,
  txnFirstCheckMs: TXN_FIRST_CHECK_MS,
  txnCheckIntervalMs: TXN_CHECK_INTERVAL_MS,
  txnMaxChecks: TXN_MAX_CHECKS,
  // The trace is how an operator answers "what happened to message X"; off only to measure what it costs.
  trace: true,
  metrics: {},
};

/** The options with defaults filled in, refused when they cannot work together. */
export function resolveOptions(options: BrokerOptions): ResolvedOptions {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<BrokerOptions>;
  const base = { ...DEFAULTS, ...given, dataDir: options.dataDir };
  // A trace is worth keeping as long as the messages it describes, unless told otherwise.
  const opts: ResolvedOptions = { ...base, traceRetentionHours: given.traceRetentionHours ?? base.retentionHours };
  const traceRetention = traceRetentionError(opts.traceRetentionHours, opts.retentionHours);
  if (traceRetention) throw new BrokerError('INVALID_ARGUMENT', traceRetention, { field: 'traceRetentionHours' });
  if (opts.maxMessageSize + SEGMENT_HEADROOM_BYTES > opts.segmentSize) {
    throw new BrokerError(
      'INVALID_ARGUMENT',
      `segmentSize (${opts.segmentSize}) must exceed maxMessageSize (${opts.maxMessageSize}) by at least 64 KiB`,
      { field: 'segmentSize' },
    );
  }
  return opts;
}
