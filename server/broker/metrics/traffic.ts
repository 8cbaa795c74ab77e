import { isSystemTopic } from '../names.ts';
import type { HrTime } from '@opentelemetry/api';
import { HistogramFamily, type BucketHistogram } from './histogram.ts';
import { MESSAGE_SIZE_BUCKETS_BYTES, METRIC, metricMessageType, type MetricLabels } from './instruments.ts';
import { hrTime } from './producer.ts';

export interface Counted {
  attributes: MetricLabels;
  messages: number;
  bytes: number;
  /** When the series started (a re-created topic starts again from zero). */
  startTime: HrTime;
}

export interface TransactionEnds {
  attributes: MetricLabels;
  commits: number;
  rollbacks: number;
  startTime: HrTime;
}

const SEP = '\u0000';

/**
 * What flowed through a broker since it opened: messages and bytes in per topic, out per group and topic,
 * dead letters, transaction ends. Plain counters on the hot path (a Map lookup and two additions per
 * message); BrokerMetrics turns them into data points when a reader collects.
 */
export class Traffic {
  readonly messageSize: HistogramFamily;
  private readonly inbound = new Map<string, Counted & { sizes: BucketHistogram }>();
  private readonly outbound = new Map<string, Counted>();
  private readonly deadLetters = new Map<string, Counted>();
  private readonly ends = new Map<string, TransactionEnds>();

  /** `enabled` false: every method returns at once (a broker with metrics off). */
  constructor(
    private readonly labels: MetricLabels,
    private readonly enabled = true,
  ) {
    this.messageSize = new HistogramFamily(METRIC.messageSize, 'Size of the messages stored, per topic', 'bytes', MESSAGE_SIZE_BUCKETS_BYTES);
  }

  /** A message accepted from a producer (RocketMQ counts neither retry nor dead-letter topics here). */
  stored(topic: string, messageType: string, bytes: number): void {
    if (!this.enabled) return;
    let c = this.inbound.get(topic);
    if (!c) {
      const attributes = { ...this.labels, topic, message_type: metricMessageType(messageType), is_system: String(isSystemTopic(topic)) };
      // The topic's size histogram is found once, here: a put then costs one Map lookup, no closure.
      c = { attributes, messages: 0, bytes: 0, startTime: hrTime(Date.now()), sizes: this.messageSize.at(topic, () => attributes) };
      this.inbound.set(topic, c);
    }
    c.messages++;
    c.bytes += bytes;
    c.sizes.record(bytes);
  }

  /** A message handed to a consumer of `group`; `retry` for a redelivery. */
  delivered(group: string, topic: string, bytes: number, retry: boolean): void {
    if (!this.enabled) return;
    const key = group + SEP + topic + SEP + (retry ? '1' : '0');
    let c = this.outbound.get(key);
    if (!c) {
      c = { attributes: { ...this.labels, topic, consumer_group: group, is_retry: String(retry), is_system: String(isSystemTopic(topic)) }, messages: 0, bytes: 0, startTime: hrTime(Date.now()) };
      this.outbound.set(key, c);
    }
    c.messages++;
    c.bytes += bytes;
  }

  /** A message of `topic` moved to the dead-letter queue of `group`. */
  deadLettered(group: string, topic: string): void {
    if (!this.enabled) return;
    const key = group + SEP + topic;
    let c = this.deadLetters.get(key);
    if (!c) {
      c = { attributes: { ...this.labels, topic, consumer_group: group, is_system: String(isSystemTopic(topic)) }, messages: 0, bytes: 0, startTime: hrTime(Date.now()) };
      this.deadLetters.set(key, c);
    }
    c.messages++;
  }

  transactionEnded(topic: string, committed: boolean): void {
    if (!this.enabled) return;
    let e = this.ends.get(topic);
    if (!e) {
      e = { attributes: { ...this.labels, topic }, commits: 0, rollbacks: 0, startTime: hrTime(Date.now()) };
      this.ends.set(topic, e);
    }
    if (committed) e.commits++;
    else e.rollbacks++;
  }

  inboundSeries(): Iterable<Counted> {
    return this.inbound.values();
  }
  outboundSeries(): Iterable<Counted> {
    return this.outbound.values();
  }
  deadLetterSeries(): Iterable<Counted> {
    return this.deadLetters.values();
  }
  endSeries(): Iterable<TransactionEnds> {
    return this.ends.values();
  }

  /** Drops a deleted topic's series (a topic re-created under its name starts from zero). */
  forgetTopic(topic: string): void {
    this.inbound.delete(topic);
    this.ends.delete(topic);
    this.messageSize.forget((key) => key === topic);
    for (const map of [this.outbound, this.deadLetters]) for (const [key, c] of map) if (c.attributes.topic === topic) map.delete(key);
  }

  /** Drops a deleted group's series. */
  forgetGroup(group: string): void {
    for (const map of [this.outbound, this.deadLetters]) for (const [key, c] of map) if (c.attributes.consumer_group === group) map.delete(key);
  }
}
