import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeTestBrokers, openTestBroker, waitUntil } from '../test-support.ts';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

// Registered before any broker opens: a broker checks once, at open, whether an SDK is there.
beforeAll(() => provider.register());
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});
afterEach(async () => {
  await closeTestBrokers();
  exporter.reset();
});

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PRODUCER_SPAN = 'b7ad6b7169203331';
const TRACEPARENT = `00-${TRACE_ID}-${PRODUCER_SPAN}-01`;

function spansOf(messageId: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((s) => s.attributes['messaging.message.id'] === messageId);
}

describe('trace spans (OpenTelemetry)', () => {
  it("emits each step as a RocketMQ messaging span in the producer's trace, linked to its context", async () => {
    const b = await openTestBroker();
    b.createNamespace('shop');
    b.createTopic({ name: 'orders', namespace: 'shop', queueNums: 1 });
    b.createGroup({ name: 'billing', namespace: 'shop' });
    const sent = await b.put({
      topic: 'shop%orders',
      body: 'o-1',
      tag: 'paid',
      keys: ['o-1'],
      traceContext: TRACEPARENT,
      producer: { clientId: 'producer-1', sdk: 'JAVA 5.0.7', receivedAt: Date.now() },
    });
    const [r] = await b.receive({ group: 'shop%billing', topic: 'shop%orders', maxMessages: 1, invisibleMs: 10_000, waitMs: 0, clientId: 'consumer-1' });
    b.ack('shop%billing', 'shop%orders', r!.receiptHandle);
    const spans = await waitUntil(() => (spansOf(sent.messageId).length >= 4 ? spansOf(sent.messageId) : undefined), { what: 'the message’s four spans' });

    expect(spans.map((s) => [s.name, s.kind])).toEqual([
      ['send orders', SpanKind.PRODUCER],
      ['store orders', SpanKind.INTERNAL],
      ['receive orders', SpanKind.CONSUMER],
      ['ack orders', SpanKind.CONSUMER],
    ]);
    for (const s of spans) {
      expect(s.spanContext().traceId).toBe(TRACE_ID);
      expect(s.parentSpanContext?.spanId).toBe(PRODUCER_SPAN);
      expect(s.links.map((l) => l.context.spanId)).toEqual([PRODUCER_SPAN]);
      expect(s.attributes).toMatchObject({
        'messaging.system': 'rocketmq',
        'messaging.destination.name': 'orders',
        'messaging.rocketmq.namespace': 'shop',
        'messaging.message.id': sent.messageId,
      });
    }
    const [send, store, receive, ack] = spans;
    expect(send!.attributes).toMatchObject({
      'messaging.operation.name': 'send',
      'messaging.operation.type': 'send',
      'messaging.client.id': 'producer-1',
      'messaging.rocketmq.message.tag': 'paid',
      'messaging.rocketmq.message.keys': ['o-1'],
      'messaging.rocketmq.message.type': 'normal',
      'meridian.client.sdk': 'JAVA 5.0.7',
    });
    expect(store!.attributes).toMatchObject({ 'messaging.operation.name': 'store', 'messaging.destination.partition.id': '0', 'meridian.queue.offset': 0 });
    expect(receive!.attributes).toMatchObject({
      'messaging.operation.type': 'receive',
      'messaging.consumer.group.name': 'billing',
      'messaging.client.id': 'consumer-1',
      'meridian.delivery.attempt': 1,
    });
    expect(ack!.attributes).toMatchObject({ 'messaging.operation.name': 'ack', 'messaging.operation.type': 'settle', 'messaging.consumer.group.name': 'billing' });
    expect(b.otelTraceId(sent.messageId)).toBe(TRACE_ID);
  });

  it('takes the context from a traceparent user property (the Java agent) and keeps the SDK’s sampling decision', async () => {
    const b = await openTestBroker();
    b.createTopic({ name: 't' });
    const sampled = await b.put({ topic: 't', body: 'x', properties: { traceparent: TRACEPARENT } });
    const unsampled = await b.put({ topic: 't', body: 'y', traceContext: `00-${TRACE_ID}-${PRODUCER_SPAN}-00` });
    await waitUntil(() => spansOf(sampled.messageId).length >= 2, { what: 'the sampled message’s spans' });
    expect(spansOf(sampled.messageId).every((s) => s.spanContext().traceId === TRACE_ID)).toBe(true);
    expect(spansOf(unsampled.messageId)).toEqual([]);
    expect(b.otelTraceId(sampled.messageId)).toBe(TRACE_ID);
  });

  it('gives a message sent without a trace context one trace of its own, the one otelTraceId names', async () => {
    const b = await openTestBroker();
    b.createTopic({ name: 't' });
    const sent = await b.put({ topic: 't', body: 'x' });
    const spans = await waitUntil(() => (spansOf(sent.messageId).length >= 2 ? spansOf(sent.messageId) : undefined), { what: 'the spans' });
    const traceId = b.otelTraceId(sent.messageId);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(spans.every((s) => s.spanContext().traceId === traceId && s.links.length === 0)).toBe(true);
    expect(b.otelTraceId('NO-SUCH-MESSAGE')).toBeUndefined();
  });

  it('marks a failed send as an error span with the error code', async () => {
    const b = await openTestBroker();
    b.traceFailedSend({ messageId: 'BAD', topic: 't', status: 'ILLEGAL_MESSAGE_TAG', detail: 'Tag is invalid' });
    const [span] = await waitUntil(() => (spansOf('BAD').length > 0 ? spansOf('BAD') : undefined), { what: 'the failed send’s span' });
    expect(span!.name).toBe('send t');
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Tag is invalid' });
    expect(span!.attributes['error.type']).toBe('ILLEGAL_MESSAGE_TAG');
  });
});
