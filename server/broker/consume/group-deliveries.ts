import type { Catalog } from '../catalog.ts';
import { groupRetryTopicOf } from '../names.ts';
import type { MessageStore, StoredMessage } from '../store/message-store.ts';
import type { BrowsePage } from '../store/time-browse.ts';
import type { TraceEvent, TraceInput } from '../trace/recorder.ts';
import { ConsumeVerification } from './consume-verification.ts';
import { DeadLetters, type DeadLetterQuery } from './dead-letters.ts';
import { DeliveryStates } from './delivery-states.ts';
import type { PopStateStore } from './pop-state.ts';
import type { PopService } from './pop-service.ts';
import { SubscriptionStore } from './subscriptions.ts';

export type { DeadLetter, DeadLetterPage, DeadLetterQuery, PurgeTarget } from './dead-letters.ts';
export { MAX_PURGE_OFFSETS } from './dead-letters.ts';
export type { VerificationView } from './consume-verification.ts';
export { VERIFY_DEADLINE_MS } from './consume-verification.ts';

/** What the group-delivery parts need from the broker around them. */
export interface DeliveriesHost {
  readonly store: MessageStore;
  readonly catalog: Catalog;
  readonly popState: PopStateStore;
  pop(): PopService;
  /** The group's next offset on a queue it has no pop state for: its committed offset, else where it started. */
  nextOffset(group: string, topic: string, queueId: number): number;
  /** Groups with offsets on the topic. */
  groupsWithOffsets(topic: string): string[];
  /** Whether a consumer of the group is connected (true when no front end tracks connections: an embedded engine). */
  hasLiveConsumer(group: string): boolean;
  trace(e: TraceInput): void;
  traceOf(messageId: string): Promise<TraceEvent[]>;
  /** The user topic of a message the broker holds (also a scheduled or half one), if it has it. */
  topicOf(messageId: string): string | undefined;
  /** An operator's browse of a topic by store time, keeping only the messages `keep` accepts too. */
  browse(topic: string, req: DeadLetterQuery, keep: (m: StoredMessage) => boolean): BrowsePage;
}

/**
 * Per-group delivery beyond the pop service's own rounds, one part per job: where a message stands with
 * each subscribing group (DeliveryStates), the groups' dead letters (DeadLetters) and consume verification
 * (ConsumeVerification), over the groups' remembered subscriptions. Resends and verifications are copies in
 * the group's retry topic for the message's topic, which the pop service delivers to that group alone.
 */
export class GroupDeliveries {
  readonly subscriptions: SubscriptionStore;
  readonly states: DeliveryStates;
  readonly deadLetters: DeadLetters;
  readonly verifications: ConsumeVerification;

  constructor(
    private readonly host: DeliveriesHost,
    metaDir: string,
  ) {
    this.subscriptions = new SubscriptionStore(metaDir);
    this.states = new DeliveryStates(host, this.subscriptions);
    this.deadLetters = new DeadLetters(host, metaDir);
    this.verifications = new ConsumeVerification(host, this.subscriptions, this.states, metaDir);
  }

  /** A topic was deleted: drops the groups' remembered subscriptions and retry-topic copies for it. */
  async forgetTopic(topic: string): Promise<void> {
    this.subscriptions.forget({ topic });
    for (const g of this.host.catalog.listGroups()) {
      const retryTopic = groupRetryTopicOf(g.name, topic);
      if (this.host.store.maxOffset(retryTopic, 0) > 0) await this.host.store.deleteTopicData(retryTopic);
    }
  }

  /** A group was deleted: drops its remembered subscriptions (a group re-created under the name starts after its copies). */
  forgetGroup(group: string): void {
    this.subscriptions.forget({ group });
  }

  close(): void {
    this.verifications.close();
    this.deadLetters.close();
    this.subscriptions.close();
  }
}
