/**
 * Dead letters and consume verification through the official Node.js SDK: a failing push consumer's message
 * is retried and dead-lettered, listed, resent to its group alone and acked; a stored message is verified
 * with a simple consumer (ACKED) and with the failing push consumer (FAILED); letters are purged; keys,
 * tombstones and verification outcomes survive a restart.
 */
import { ConsumeResult, type MessageView } from 'rocketmq-client-nodejs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fixture, receiveAtLeast, sendMany, waitUntil } from './sdk-test-helpers.ts';

let fx: Fixture;

beforeEach(async () => {
  // PushConsumer.shutdown waits for its in-flight long poll: keep polls short.
  fx = await Fixture.start({ longPollingMs: 2000 });
});

afterEach(async () => {
  await fx.close();
});

const ALL_TIME = { beginMs: 0, endMs: Number.MAX_SAFE_INTEGER, order: 'oldest' as const, limit: 100 };

describe('SDK dead letters and consume verification', () => {
  it('fail → retry → dead-letter → list → resend to the group alone → ack; verify ACKED and FAILED; purge; restart', async () => {
    fx.broker.createTopic({ name: 'orders' });
    fx.broker.createGroup({ name: 'billing', maxDeliveryAttempts: 2, retryPolicy: { kind: 'customized', delaysMs: [200] } });
    fx.broker.createGroup({ name: 'audit' });

    let billingFails = true;
    const billing: { id: string; attempt: number | undefined }[] = [];
    await fx.pushConsumer('billing', 'orders', {
      consume(mv: MessageView) {
        billing.push({ id: mv.messageId, attempt: mv.deliveryAttempt });
        return billingFails ? ConsumeResult.FAILURE : ConsumeResult.SUCCESS;
      },
    });
    const audit = await fx.simpleConsumer('audit', 'orders', { awaitDuration: 1000 });
    const producer = await fx.producer({ topics: ['orders'] });
    const [id] = await sendMany(producer, 'orders', 1, 'poison');

    // The audit group consumes it normally.
    const [seen] = await receiveAtLeast(audit, 1);
    expect(seen?.messageId).toBe(id);
    await audit.ack(seen!);

    // Billing fails it twice (the SDK nacks, the broker backs off 200 ms): then it is dead-lettered.
    await waitUntil(() => fx.broker.deadLetterCount('billing') === 1, { what: 'the message to reach the DLQ', timeoutMs: 15_000 });
    expect(billing).toEqual([
      { id, attempt: 1 },
      { id, attempt: 2 },
    ]);
    await waitUntil(async () => (await fx.broker.deliveryStates(id!)).find((d) => d.group === 'audit')?.state === 'ACKED', { what: "audit's ack to land" });
    const dead = await fx.broker.deliveryStates(id!);
    expect(dead.map((d) => [d.group, d.state, d.filterExpression])).toEqual([
      ['audit', 'ACKED', 'TAG:*'],
      ['billing', 'DEAD_LETTERED', 'TAG:*'],
    ]);
    expect(dead[1]).toMatchObject({ attempt: 2 });
    const billingSteps = async () => (await fx.broker.traceOf(id!)).filter((e) => e.group === 'billing').map((e) => e.step);
    // The retry after a nack is no expiry.
    expect(await billingSteps()).toEqual(['DELIVERED', 'NACKED', 'DELIVERED', 'NACKED', 'DEAD_LETTERED']);

    const [letter] = fx.broker.deadLetters('billing', ALL_TIME).letters;
    expect(letter).toMatchObject({ originTopic: 'orders', originMessageId: id, attempts: 2, reason: 'NACK' });
    expect(letter!.firstFailureAt).toBeLessThan(letter!.lastFailureAt);
    expect(letter!.message.body.toString()).toBe('poison-0');
    // The message's detail is its record in its topic, not the dead letter.
    expect(fx.broker.describeMessage(id!)).toMatchObject({ topic: 'orders', message: { topic: 'orders' } });

    // Fixed: the operator resends it to billing, which gets it as an `orders` message, attempt 1, and acks it.
    billingFails = false;
    expect(await fx.broker.resendDeadLetter('billing', letter!.offset, { by: 'operator alice', dedupeKey: 'resend-1' })).toEqual({ resent: true });
    expect(await fx.broker.resendDeadLetter('billing', letter!.offset, { by: 'operator alice', dedupeKey: 'resend-1' })).toEqual({ resent: false });
    await waitUntil(() => billing.length === 3, { what: 'the resent letter to reach billing' });
    expect(billing[2]).toEqual({ id, attempt: 1 });
    await waitUntil(async () => (await fx.broker.deliveryStates(id!)).find((d) => d.group === 'billing')?.state === 'ACKED', { what: "billing's ack of the resent letter" });
    expect(await billingSteps()).toEqual(['DELIVERED', 'NACKED', 'DELIVERED', 'NACKED', 'DEAD_LETTERED', 'RESENT', 'DELIVERED', 'ACKED']);
    expect(fx.broker.deadLetters('billing', ALL_TIME).letters[0]!.resentAt).toBeGreaterThan(0);
    expect(fx.broker.groupStats('billing', ['orders']).lag).toBe(0);
    // The audit group never saw it again: the next thing it gets is a marker sent after.
    const [marker] = await sendMany(producer, 'orders', 1, 'marker');
    const afterResend = await receiveAtLeast(audit, 1);
    expect(afterResend.map((m) => m.messageId)).toEqual([marker]);
    await audit.ack(afterResend[0]!);
    await waitUntil(() => billing.some((b) => b.id === marker), { what: 'billing to consume the marker' });
    const billingOf = () => billing.filter((b) => b.id === id);

    // Consume verification with audit's simple consumer: delivered once more, acked.
    const ok = await fx.broker.verifyConsumption(id!, 'audit', 'operator bob');
    const [again] = await receiveAtLeast(audit, 1);
    expect([again?.messageId, again?.topic, again?.deliveryAttempt]).toEqual([id, 'orders', 1]);
    await audit.ack(again!);
    expect(fx.broker.verification(ok.verificationId)).toMatchObject({ state: 'ACKED', messageId: id, group: 'audit' });
    expect(fx.broker.verification(ok.verificationId)?.clientId).toBeTruthy();

    // With billing failing again, the verification fails: no retry, no dead letter.
    billingFails = true;
    const failed = await fx.broker.verifyConsumption(id!, 'billing', 'operator bob');
    await waitUntil(() => fx.broker.verification(failed.verificationId)?.state === 'FAILED', { what: 'the verification to fail' });
    expect(billingOf()).toHaveLength(4);
    expect(fx.broker.deadLetterCount('billing')).toBe(1);
    const verified = (await fx.broker.traceOf(id!)).filter((e) => e.step === 'VERIFIED').map((e) => [e.group, e.outcome]);
    expect(verified).toEqual([
      ['audit', 'ACKED'],
      ['billing', 'FAILED'],
    ]);

    // A group with no connected consumer cannot be verified (the endpoint knows its clients).
    fx.broker.createGroup({ name: 'idle' });
    fx.broker.commitOffset('idle', 'orders', 0, 0);
    await expect(fx.broker.verifyConsumption(id!, 'idle', 'operator bob')).rejects.toMatchObject({ code: 'NO_LIVE_CONSUMER' });

    // Purge, then a restart keeps the dedupe key, the tombstone and the verification outcomes.
    expect(fx.broker.purgeDeadLetters('billing', { offsets: [letter!.offset] })).toBe(1);
    expect(fx.broker.deadLetterCount('billing')).toBe(0);
    await fx.restart();
    expect(fx.broker.deadLetterCount('billing')).toBe(0);
    expect(fx.broker.deadLetters('billing', ALL_TIME).letters).toEqual([]);
    expect(await fx.broker.resendDeadLetter('billing', letter!.offset, { by: 'operator alice', dedupeKey: 'resend-1' })).toEqual({ resent: false });
    expect(fx.broker.verification(ok.verificationId)).toMatchObject({ state: 'ACKED' });
    expect(fx.broker.verification(failed.verificationId)).toMatchObject({ state: 'FAILED' });
    expect(billingOf()).toHaveLength(4);
  }, 60_000);
});
