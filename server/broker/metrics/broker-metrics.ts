import fs from 'node:fs';
import type { HrTime } from '@opentelemetry/api';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import { isProbeResource, isSystemTopic } from '../names.ts';
import type { ConsumerLag } from '../stats.ts';
import { METRIC, type MetricLabels } from './instruments.ts';
import { counterData, gaugeData, hrTime, publishMetrics, type MetricSource, type Point } from './producer.ts';
import type { Traffic } from './traffic.ts';

/** What a broker reports when a reader collects; read only then, never on the message path. */
export interface BrokerGauges {
  topicCount(): number;
  groupCount(): number;
  /** Every group's lag on every topic it consumes. */
  consumerLags(now: number): ConsumerLag[];
  storage(): { sizeBytes: number; flushBehindBytes: number; oldestStoreTimestamp: number | null };
  /** Scheduled messages not yet fired. */
  timingMessages(): number;
  /** Prepared transactions per topic. */
  halfMessages(): Map<string, number>;
  traceShed(): number;
  /** Every readable queue's end offset: messages stored in it since it was created. */
  queueOffsets(): { topic: string; queueId: number; maxOffset: number }[];
  /** Requests refused by the allow-list, authentication or authorization, by reason. */
  accessDenials(): Record<string, number>;
  /** Each rate-limit bucket: its limit and what it admitted and refused. */
  rateLimits(): { scope: string; name: string; perSecond: number; admitted: number; refused: number }[];
  dataDir: string;
}

/**
 * A broker's metrics (RocketMQ's broker catalogue, OBSERVABILITY.md §3) built from `Traffic` and the
 * broker's state at each collection, published to `engineMetricProducer` while the broker is open.
 */
export class BrokerMetrics implements MetricSource {
  private readonly unpublish: () => void;
  private readonly start = hrTime(Date.now());

  constructor(
    readonly labels: MetricLabels,
    private readonly traffic: Traffic,
    private readonly gauges: BrokerGauges,
    publish = true,
  ) {
    this.unpublish = publish ? publishMetrics(this) : () => undefined;
  }

  collect(now: HrTime): MetricData[] {
    const { traffic, gauges, labels, start } = this;
    const counter = (name: string, description: string, points: Iterable<Point>, unit = '') => counterData(name, description, unit, start, now, points);
    const gauge = (name: string, description: string, points: Iterable<Point>, unit = '') => gaugeData(name, description, unit, start, now, points);
    const inbound = [...traffic.inboundSeries()];
    const outbound = [...traffic.outboundSeries()];
    const ends = [...traffic.endSeries()];
    const nowMs = Date.now();
    const lags = gauges.consumerLags(nowMs).map((l) => ({ l, attributes: { ...labels, consumer_group: l.group, topic: l.topic, is_retry: 'false', is_system: String(isSystemTopic(l.topic) || isProbeResource(l.group)) } }));
    const lagPoints = (pick: (l: ConsumerLag) => number) => lags.map(({ l, attributes }) => ({ attributes, value: pick(l) }));
    const storageLabels = { ...labels, storage_type: 'local', storage_medium: 'disk' };
    const s = gauges.storage();
    const free = diskFreeBytes(gauges.dataDir);
    const one = (value: number, attributes: MetricLabels = labels): Point[] => [{ attributes, value }];
    return [
      counter(METRIC.messagesIn, 'Messages stored from producers', inbound.map((c) => ({ attributes: c.attributes, value: c.messages, startTime: c.startTime }))),
      counter(METRIC.throughputIn, 'Bytes stored from producers', inbound.map((c) => ({ attributes: c.attributes, value: c.bytes, startTime: c.startTime })), 'bytes'),
      traffic.messageSize.toMetricData(now),
      counter(METRIC.messagesOut, 'Messages delivered to consumers', outbound.map((c) => ({ attributes: c.attributes, value: c.messages, startTime: c.startTime }))),
      counter(METRIC.throughputOut, 'Bytes delivered to consumers', outbound.map((c) => ({ attributes: c.attributes, value: c.bytes, startTime: c.startTime })), 'bytes'),
      counter(METRIC.sendToDlq, 'Messages moved to a dead-letter queue', [...traffic.deadLetterSeries()].map((c) => ({ attributes: c.attributes, value: c.messages, startTime: c.startTime }))),
      counter(METRIC.commitMessages, 'Transactional messages committed', ends.map((e) => ({ attributes: e.attributes, value: e.commits, startTime: e.startTime }))),
      counter(METRIC.rollbackMessages, 'Transactional messages rolled back', ends.map((e) => ({ attributes: e.attributes, value: e.rollbacks, startTime: e.startTime }))),
      counter(METRIC.traceShed, 'Trace events shed or lost (their traces carry a TRACE_SHED marker)', one(gauges.traceShed())),
      gauge(METRIC.lagMessages, 'Messages of the topic the group has not acknowledged', lagPoints((l) => l.lag)),
      gauge(METRIC.lagLatency, 'Age of the oldest message the group has not acknowledged', lagPoints((l) => l.lagLatencyMs), 'milliseconds'),
      gauge(METRIC.inflight, 'Messages delivered to the group and not yet acknowledged', lagPoints((l) => l.inflight)),
      gauge(METRIC.ready, 'Messages ready for the group and not yet delivered', lagPoints((l) => l.ready)),
      gauge(METRIC.queueingLatency, 'Age of the oldest message ready and not yet delivered', lagPoints((l) => l.queueingLatencyMs), 'milliseconds'),
      gauge(METRIC.topicNumber, 'Topics on the broker', one(gauges.topicCount())),
      gauge(METRIC.groupNumber, 'Consumer groups on the broker', one(gauges.groupCount())),
      gauge(METRIC.storageSize, 'Bytes of the commit log', one(s.sizeBytes, storageLabels), 'bytes'),
      gauge(METRIC.flushBehind, 'Bytes written and not yet fdatasynced', one(s.flushBehindBytes, storageLabels), 'bytes'),
      gauge(METRIC.dispatchBehind, 'Bytes written and not yet in consume queues (Meridian dispatches as it writes)', one(0, storageLabels), 'bytes'),
      gauge(METRIC.reserveTime, 'Age of the oldest stored message', one(s.oldestStoreTimestamp === null ? 0 : Math.max(0, nowMs - s.oldestStoreTimestamp), storageLabels), 'milliseconds'),
      gauge(METRIC.diskFree, 'Free bytes on the file system of the data directory', free === undefined ? [] : one(free, storageLabels), 'bytes'),
      gauge(METRIC.timingMessages, 'Scheduled messages not yet delivered', one(gauges.timingMessages(), storageLabels)),
      gauge(METRIC.queueOffset, 'Messages stored in the queue since it was created (its end offset)', gauges.queueOffsets().map((q) => ({ attributes: { ...labels, topic: q.topic, queue_id: String(q.queueId) }, value: q.maxOffset }))),
      gauge(METRIC.halfMessages, 'Transactional half messages awaiting commit or rollback', [...gauges.halfMessages()].map(([topic, n]) => ({ attributes: { ...labels, topic }, value: n }))),
      counter(METRIC.accessDenied, 'Requests refused by the IP allow-list, authentication or authorization', Object.entries(gauges.accessDenials()).map(([reason, value]) => ({ attributes: { ...labels, reason }, value }))),
      ...this.rateLimitData(gauge, counter),
    ];
  }

  private rateLimitData(gauge: (name: string, description: string, points: Iterable<Point>) => MetricData, counter: (name: string, description: string, points: Iterable<Point>) => MetricData): MetricData[] {
    const buckets = this.gauges.rateLimits().map((b) => ({ b, attributes: { ...this.labels, scope: b.scope, ...(b.name ? { name: b.name } : {}) } }));
    return [
      gauge(METRIC.rateLimit, 'Messages per second a rate limit allows', buckets.map(({ b, attributes }) => ({ attributes, value: b.perSecond }))),
      counter(METRIC.rateLimitAdmitted, 'Messages a rate limit admitted', buckets.map(({ b, attributes }) => ({ attributes, value: b.admitted }))),
      counter(METRIC.rateLimitRefused, 'Messages refused with TOO_MANY_REQUESTS by a rate limit', buckets.map(({ b, attributes }) => ({ attributes, value: b.refused }))),
    ];
  }

  /** Stops reporting (the broker closed): its series leave the next scrape. */
  close(): void {
    this.unpublish();
  }
}

function diskFreeBytes(dir: string): number | undefined {
  try {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}
