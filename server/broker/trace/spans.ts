import { createHash } from 'node:crypto';
import {
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Link,
  type SpanContext,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import type { ConsumeType } from '../model.ts';
import { unwrapName } from '../names.ts';
import { SystemProperty } from '../properties.ts';
import type { TraceEvent, TraceStep } from './events.ts';

/**
 * Every trace step as an OpenTelemetry span through `@opentelemetry/api`, with the messaging semantic
 * conventions for RocketMQ. A step's span is a child of the producer's trace context carried in the message
 * (and links to it), so consumer-side steps continue the caller's trace; a message sent without one gets a
 * trace id derived from its message id, so all its spans still share one trace. The send step is the
 * broker's side of the client's send (SERVER): the PRODUCER span is the client's own. An operator's resend
 * keeps the original's trace context; a copy of a message that had none links to the original's trace.
 * Without a registered SDK nothing here runs (see TraceSpans.create).
 */

const SCOPE = 'meridian-broker';

interface Operation {
  /** messaging.operation.name, and the first word of the span name ("send orders"). */
  name: string;
  /** messaging.operation.type, for the steps the conventions have a type for. */
  type?: 'send' | 'receive' | 'process' | 'settle';
  kind: SpanKind;
}

const OPERATIONS: Record<TraceStep, Operation | undefined> = {
  // The broker handling a client's send, not a second producer span beside the client's.
  PRODUCED: { name: 'send', type: 'send', kind: SpanKind.SERVER },
  PRODUCE_FAILED: { name: 'send', type: 'send', kind: SpanKind.SERVER },
  STORED: { name: 'store', kind: SpanKind.INTERNAL },
  SCHEDULED: { name: 'schedule', kind: SpanKind.INTERNAL },
  FIRED: { name: 'fire', kind: SpanKind.INTERNAL },
  RECALLED: { name: 'recall', kind: SpanKind.INTERNAL },
  HALF: { name: 'prepare', kind: SpanKind.INTERNAL },
  COMMITTED: { name: 'commit', kind: SpanKind.INTERNAL },
  ROLLED_BACK: { name: 'rollback', kind: SpanKind.INTERNAL },
  DELIVERED: { name: 'receive', type: 'receive', kind: SpanKind.CONSUMER },
  ACKED: { name: 'ack', type: 'settle', kind: SpanKind.CONSUMER },
  NACKED: { name: 'nack', type: 'settle', kind: SpanKind.CONSUMER },
  EXPIRED: { name: 'expire', type: 'settle', kind: SpanKind.INTERNAL },
  DEAD_LETTERED: { name: 'dead_letter', type: 'settle', kind: SpanKind.INTERNAL },
  RESENT: { name: 'resend', kind: SpanKind.INTERNAL },
  FILTERED: { name: 'filter', kind: SpanKind.INTERNAL },
  VERIFIED: { name: 'verify', type: 'process', kind: SpanKind.CONSUMER },
  // A marker about the stored trace, not a step of the message: the shed events' spans were emitted.
  TRACE_SHED: undefined,
};

/** What a put's spans add about the message itself (the consumer-side steps do not have it at hand). */
export interface MessageFacts {
  tag: string;
  keys: readonly string[];
  properties: Readonly<Record<string, string>>;
  dueAt?: number;
}

/**
 * The producer's trace context of a message: the trace_context system property the SDKs set, else a W3C
 * `traceparent` user property (the OpenTelemetry Java agent injects its context into the user properties).
 */
export function traceContextOf(properties: Readonly<Record<string, string>>): string | undefined {
  return properties[SystemProperty.TRACE_CONTEXT] ?? properties.traceparent;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-|$)/;

function parseTraceparent(value: string): SpanContext | undefined {
  const m = TRACEPARENT.exec(value.trim());
  if (!m || m[1] === 'ff' || (m[1] === '00' && m[5] === '-')) return undefined;
  const ctx: SpanContext = { traceId: m[2]!, spanId: m[3]!, traceFlags: parseInt(m[4]!, 16) & TraceFlags.SAMPLED, isRemote: true };
  return isSpanContextValid(ctx) ? ctx : undefined;
}

/**
 * The parent of a message's spans: the producer's context when it carries a valid one, else one derived
 * from the message id (sampled), so every span of the message lands in the same trace.
 */
export function parentContextOf(messageId: string, traceContext: string | undefined): { context: SpanContext; fromProducer: boolean } {
  const producer = traceContext ? parseTraceparent(traceContext) : undefined;
  if (producer) return { context: producer, fromProducer: true };
  const hex = createHash('sha256').update(messageId).digest('hex');
  return { context: { traceId: hex.slice(0, 32), spanId: hex.slice(32, 48), traceFlags: TraceFlags.SAMPLED, isRemote: true }, fromProducer: false };
}

/** The registered SDK's tracer; undefined while only the API's no-op is there. */
function registeredTracer(): Tracer | undefined {
  // The API's global provider is a proxy that has a delegate only once an SDK registered one.
  const provider: TracerProvider & { getDelegateTracer?(name: string): Tracer | undefined } = trace.getTracerProvider();
  return provider.getDelegateTracer ? provider.getDelegateTracer(SCOPE) : provider.getTracer(SCOPE);
}

/** What spans look up in the broker. */
export interface SpanLookups {
  /** A stored message's properties (its trace context, what it was resent from). */
  propertiesOf(messageId: string): Readonly<Record<string, string>> | undefined;
  consumeTypeOf(group: string): ConsumeType | undefined;
}

export class TraceSpans {
  private constructor(
    private readonly tracer: Tracer,
    private readonly lookups: SpanLookups,
  ) {}

  /**
   * Spans for a broker, or undefined when no OpenTelemetry SDK is registered: checked once, so with none
   * the trace path costs one undefined check per step, no attribute is built.
   */
  static create(lookups: SpanLookups): TraceSpans | undefined {
    const tracer = registeredTracer();
    return tracer ? new TraceSpans(tracer, lookups) : undefined;
  }

  /**
   * Emits the span of one step: from `at` to `endAt` (a send: to its store), else an instant. The parent is
   * `traceContext` when given, else the message's own (from `message` or the stored record).
   */
  emit(e: TraceEvent, traceContext?: string, message?: MessageFacts, endAt?: number): void {
    const op = OPERATIONS[e.step];
    if (!op) return;
    const properties = traceContext === undefined ? (message?.properties ?? this.lookups.propertiesOf(e.messageId)) : undefined;
    const parent = parentContextOf(e.messageId, traceContext ?? (properties && traceContextOf(properties)));
    const links: Link[] = parent.fromProducer ? [{ context: parent.context }] : [];
    // A resend of a message sent without a trace context: the copy's trace is its own, linked to the original's.
    const resentFrom = properties?.[SystemProperty.RESENT_FROM];
    if (resentFrom !== undefined && !parent.fromProducer) links.push({ context: parentContextOf(resentFrom, undefined).context });
    const topic = e.topic === undefined ? undefined : unwrapName(e.topic);
    const attributes: Attributes = {
      'messaging.system': 'rocketmq',
      'messaging.operation.name': op.name,
      'messaging.message.id': e.messageId,
      'messaging.rocketmq.namespace': topic?.namespace ?? '',
      'meridian.trace.step': e.step,
    };
    if (op.type) attributes['messaging.operation.type'] = op.type;
    if (topic) attributes['messaging.destination.name'] = topic.name;
    if (e.queueId !== undefined && e.queueId >= 0) attributes['messaging.destination.partition.id'] = String(e.queueId);
    if (e.group !== undefined) {
      attributes['messaging.consumer.group.name'] = unwrapName(e.group).name;
      const consumeType = op.kind === SpanKind.CONSUMER ? this.lookups.consumeTypeOf(e.group) : undefined;
      if (consumeType) attributes['messaging.rocketmq.consumption_model'] = consumeType.toLowerCase();
    }
    if (e.clientId) attributes['messaging.client.id'] = e.clientId;
    if (e.host) attributes['client.address'] = e.host;
    if (e.status !== undefined && e.status !== 'OK') attributes['error.type'] = e.status;
    if (e.offset !== undefined) attributes['meridian.queue.offset'] = e.offset;
    if (e.attempt !== undefined) attributes['meridian.delivery.attempt'] = e.attempt;
    if (e.sdk) attributes['meridian.client.sdk'] = e.sdk;
    if (e.detail) attributes['meridian.trace.detail'] = e.detail;
    if (e.outcome) attributes['meridian.outcome'] = e.outcome;
    if (e.relatedMessageId) attributes['meridian.related_message.id'] = e.relatedMessageId;
    if (message) addMessageFacts(attributes, message);
    const span = this.tracer.startSpan(
      topic ? `${op.name} ${topic.name}` : op.name,
      { kind: op.kind, startTime: e.at, attributes, links },
      trace.setSpanContext(ROOT_CONTEXT, parent.context),
    );
    if (attributes['error.type'] !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: e.detail ?? e.status ?? '' });
    span.end(endAt ?? e.at);
  }
}

function addMessageFacts(attributes: Attributes, m: MessageFacts): void {
  if (m.tag) attributes['messaging.rocketmq.message.tag'] = m.tag;
  if (m.keys.length > 0) attributes['messaging.rocketmq.message.keys'] = [...m.keys];
  const type = m.properties[SystemProperty.MESSAGE_TYPE];
  if (type) attributes['messaging.rocketmq.message.type'] = type.toLowerCase();
  const group = m.properties[SystemProperty.MESSAGE_GROUP];
  if (group !== undefined) attributes['messaging.rocketmq.message.group'] = group;
  if (m.dueAt !== undefined) attributes['messaging.rocketmq.message.delivery_timestamp'] = m.dueAt;
}
