import { randomUUID } from 'node:crypto';
import { BrokerError } from '../errors.ts';
import { DLQ_PREFIX } from '../names.ts';
import type { StoredMessage } from '../store/message-store.ts';
import type { DeliveryStates } from './delivery-states.ts';
import { accepts } from './delivery-states.ts';
import type { DeliveriesHost } from './group-deliveries.ts';
import { isUserRecord, MAX_COPIES, originOf, retryCopyInput } from './retry-copy.ts';
import { describeSubscription, type SubscriptionStore } from './subscriptions.ts';
import { contextOf } from './trace-context.ts';
import { VerificationStore, type VerificationOutcome, type VerificationState } from './verifications.ts';

/**
 * How long a verification's copy may wait for a consumer of the group to receive it: past it the copy is
 * skipped and the outcome is TIMED_OUT. A connected consumer polls within seconds; a minute covers a
 * consumer's reconnect, and an operator watching the result is not kept waiting much longer.
 */
export const VERIFY_DEADLINE_MS = 60_000;
/** How often pending verifications are checked for a deadline or an invisible time run out. */
const VERIFY_SWEEP_MS = 1000;

export interface VerificationView {
  state: VerificationState;
  at?: number;
  clientId?: string;
  messageId: string;
  group: string;
}

/**
 * Consume verification: one stored message delivered once more to one group, through its normal delivery
 * to its live consumers, without moving its offsets or touching other groups. The copy waits in the group's
 * retry topic for the message's topic. Outcomes: ACKED, FAILED (nacked or forwarded to the DLQ: no retry,
 * no dead letter) or TIMED_OUT (its invisible time ran out, or no consumer took it within the deadline).
 * Expiries are settled by a timer, so reading a verification never changes it.
 */
export class ConsumeVerification {
  private readonly store: VerificationStore;
  private readonly sweep: NodeJS.Timeout;

  constructor(
    private readonly host: DeliveriesHost,
    private readonly subscriptions: SubscriptionStore,
    private readonly states: DeliveryStates,
    metaDir: string,
  ) {
    this.store = new VerificationStore(metaDir);
    this.sweep = setInterval(() => this.settleExpired(), VERIFY_SWEEP_MS).unref();
  }

  async verify(messageId: string, group: string, by: string): Promise<{ verificationId: string }> {
    this.host.catalog.getGroup(group);
    const copies = this.host.store.lookupAllById(messageId, MAX_COPIES);
    const source = copies.find(isUserRecord) ?? copies.find((m) => m.topic.startsWith(DLQ_PREFIX));
    if (!source) {
      throw new BrokerError('MESSAGE_NOT_FOUND', `No message with id ${messageId} is stored in a topic (a scheduled or uncommitted one cannot be verified yet)`, { messageId });
    }
    const { topic } = originOf(source);
    this.host.catalog.getTopic(topic);
    if (!this.states.subscribers(topic).includes(group)) {
      throw new BrokerError(
        'GROUP_NOT_SUBSCRIBED',
        `Consumer group "${group}" does not subscribe to topic "${topic}": none of its consumers has received from it, so the message would never be delivered. Start a consumer of "${group}" subscribed to "${topic}" first.`,
        { group, topic },
      );
    }
    const sub = this.subscriptions.get(group, topic);
    if (sub && !accepts(sub, source)) {
      throw new BrokerError(
        'GROUP_NOT_SUBSCRIBED',
        `Consumer group "${group}" subscribes to topic "${topic}" with ${describeSubscription(sub)}, which filters this message out: its consumers would never see it`,
        { group, topic, filterExpression: describeSubscription(sub) },
      );
    }
    if (!this.host.hasLiveConsumer(group)) {
      throw new BrokerError('NO_LIVE_CONSUMER', `No consumer of group ${group} is connected; start one and verify again`, { group });
    }
    const id = randomUUID();
    // Known before the copy is stored (a consumer may get it at once), written once it is.
    this.store.add({ id, messageId, group, topic, by, requestedAt: Date.now() });
    let stored;
    try {
      [stored] = await this.host.store.put([retryCopyInput(this.host.store, source, group, { verificationId: id })]);
    } catch (e) {
      this.store.discard(id);
      throw e;
    }
    this.store.stored(id, stored!.queueOffset);
    return { verificationId: id };
  }

  get(id: string): VerificationView | undefined {
    const v = this.store.get(id);
    if (!v) return undefined;
    return {
      state: v.state,
      messageId: v.messageId,
      group: v.group,
      ...(v.at !== undefined ? { at: v.at } : {}),
      ...(v.clientId !== undefined ? { clientId: v.clientId } : {}),
    };
  }

  isPending(id: string): boolean {
    return this.store.isPending(id);
  }

  /** The pop service handed a verification's copy to a client. */
  delivered(id: string, clientId: string | undefined): void {
    this.store.delivered(id, clientId);
  }

  /** The pop service (or the sweep) saw a verification's outcome. */
  settle(id: string, outcome: VerificationOutcome, message?: StoredMessage): void {
    const v = this.store.settle(id, outcome);
    if (!v) return;
    this.host.trace({
      messageId: v.messageId,
      step: 'VERIFIED',
      group: v.group,
      topic: v.topic,
      outcome,
      ...(v.clientId !== undefined ? { clientId: v.clientId } : {}),
      detail: `consume verification ${id} by ${v.by}: ${outcome}`,
      ...(message ? contextOf(message) : {}),
    });
  }

  /**
   * TIMED_OUT for pending verifications whose copy's invisible time ran out with no receive of the group to
   * notice (its consumer went away), or that no consumer received within VERIFY_DEADLINE_MS (the copy is
   * skipped when read).
   */
  settleExpired(now = Date.now()): void {
    for (const v of this.store.pending()) {
      const copy = v.copyOffset === undefined ? 'NONE' : this.host.pop().expireVerificationCopy(v.group, v.topic, v.copyOffset, now);
      if (copy === 'EXPIRED' || (copy === 'NONE' && v.deliveredAt === undefined && now - v.requestedAt >= VERIFY_DEADLINE_MS)) this.settle(v.id, 'TIMED_OUT');
    }
  }

  close(): void {
    clearInterval(this.sweep);
    this.store.close();
  }
}
