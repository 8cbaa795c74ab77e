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

    // The broker's side of the send: the PRODUCER span is the client's.
    expect(spans.map((s) => [s.name, s.kind])).toEqual([
      ['send orders', SpanKind.SERVER],
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
      'messaging.rocketmq.consumption_model': 'clustering',
    });
    expect(ack!.attributes).toMatchObject({
      'messaging.operation.name': 'ack',
      'messaging.operation.type': 'settle',
      'messaging.consumer.group.name': 'billing',
      'messaging.rocketmq.consumption_model': 'clustering',
    });
    expect(send!.attributes['messaging.rocketmq.consumption_model']).toBeUndefined();
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

  it('names the consumption model of a broadcasting group', async () => {
    const b = await openTestBroker();
    b.createTopic({ name: 't', queueNums: 1 });
    b.createGroup({ name: 'everyone', consumeType: 'BROADCASTING' });
    // A broadcasting client starts at the end of the queues when first seen.
    await b.receive({ group: 'everyone', topic: 't', maxMessages: 1, invisibleMs: 10_000, waitMs: 0, clientId: 'c1' });
    const sent = await b.put({ topic: 't', body: 'x' });
    await b.receive({ group: 'everyone', topic: 't', maxMessages: 1, invisibleMs: 10_000, waitMs: 0, clientId: 'c1' });
    const receive = await waitUntil(() => spansOf(sent.messageId).find((s) => s.name === 'receive t'), { what: 'the receive span' });
    expect(receive.attributes['messaging.rocketmq.consumption_model']).toBe('broadcasting');
  });

  it('keeps a resent copy in the original’s trace, or links it to the original’s own trace', async () => {
    const b = await openTestBroker();
    b.createTopic({ name: 't' });
    const traced = await b.put({ topic: 't', body: 'x', traceContext: TRACEPARENT });
    const copy = await b.resend(traced.messageId, { by: 'alice' });
    const copySpans = await waitUntil(() => (spansOf(copy.messageId).length >= 3 ? spansOf(copy.messageId) : undefined), { what: 'the copy’s spans' });
    expect(copySpans.every((s) => s.spanContext().traceId === TRACE_ID && s.links.some((l) => l.context.spanId === PRODUCER_SPAN))).toBe(true);
    expect(b.otelTraceId(copy.messageId)).toBe(TRACE_ID);

    const plain = await b.put({ topic: 't', body: 'y' });
    const plainCopy = await b.resend(plain.messageId, { by: 'alice' });
    const originalTrace = b.otelTraceId(plain.messageId)!;
    const spans = await waitUntil(() => (spansOf(plainCopy.messageId).length >= 3 ? spansOf(plainCopy.messageId) : undefined), { what: 'the plain copy’s spans' });
    for (const s of spans) {
      expect(s.spanContext().traceId).toBe(b.otelTraceId(plainCopy.messageId));
      expect(s.links.map((l) => l.context.traceId)).toEqual([originalTrace]);
    }
    expect(b.otelTraceId(plainCopy.messageId)).not.toBe(originalTrace);
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
