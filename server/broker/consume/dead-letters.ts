import { BrokerError } from '../errors.ts';
import type { MessageMatch } from '../filter/message-match.ts';
import { dlqTopicOf, parseGroupRetryTopic } from '../names.ts';
import { SystemProperty } from '../properties.ts';
import type { StoredMessage } from '../store/message-store.ts';
import type { BrowseCursor, BrowseRequest } from '../store/time-browse.ts';
import { DeadLetterBook } from './dead-letter-book.ts';
import type { DeadLetterReason } from './dead-letter.ts';
import type { DeliveriesHost } from './group-deliveries.ts';
import { MAX_COPIES, originOf, retryCopyInput } from './retry-copy.ts';
import { contextOf } from './trace-context.ts';

/** A message in a group's DLQ, as the console lists it; addressed by its offset (a message can be dead-lettered twice). */
export interface DeadLetter {
  /** The copy stored in `%DLQ%<group>`. */
  message: StoredMessage;
  /** Its queue offset in `%DLQ%<group>` (queue 0): the letter's address. */
  offset: number;
  originTopic: string;
  originMessageId: string;
  /** Deliveries made before it was dead-lettered. */
  attempts: number;
  firstFailureAt?: number;
  lastFailureAt: number;
  reason: DeadLetterReason;
  detail: string;
  /** When an operator last resent this letter to the group. */
  resentAt?: number;
}

export interface DeadLetterPage {
  letters: DeadLetter[];
  nextCursor?: BrowseCursor;
  scannedMessages: number;
  scannedBytes: number;
  /** Store time the scan got to (the start of the range when nothing was scanned). */
  reachedMs: number;
}

export type DeadLetterQuery = Omit<BrowseRequest, 'accept'> & { match?: MessageMatch };
/** Letters by their DLQ offsets, or every letter stored now. */
export type PurgeTarget = { offsets: number[] } | { all: true };

/** Letters one purge call takes at most (a larger selection is a background job's batches). */
export const MAX_PURGE_OFFSETS = 1000;

const REASONS: readonly string[] = ['NACK', 'INVISIBLE_EXPIRED', 'CLIENT_FORWARDED'] satisfies DeadLetterReason[];

function toDeadLetter(m: StoredMessage, resentAt: number | undefined): DeadLetter {
  const p = m.properties;
  const first = Number(p[SystemProperty.FIRST_FAILURE_AT] ?? 0);
  const last = Number(p[SystemProperty.LAST_FAILURE_AT] ?? 0);
  const kind = p[SystemProperty.DLQ_REASON_KIND] ?? '';
  return {
    message: m,
    offset: m.queueOffset,
    originTopic: originOf(m).topic,
    originMessageId: m.messageId,
    attempts: m.reconsumeTimes,
    ...(first > 0 ? { firstFailureAt: first } : {}),
    lastFailureAt: last > 0 ? last : m.storeTimestamp,
    // Letters stored before reasons were stamped were all expiries or nacks run out of attempts.
    reason: REASONS.includes(kind) ? (kind as DeadLetterReason) : 'INVISIBLE_EXPIRED',
    detail: p[SystemProperty.DLQ_REASON] ?? '',
    ...(resentAt !== undefined ? { resentAt } : {}),
  };
}

/** A copy a keyed resend stored in one of the group's retry topics. */
function isResendCopy(m: StoredMessage, group: string, key: string): boolean {
  return m.properties[SystemProperty.RESEND_KEY] === key && parseGroupRetryTopic(m.topic)?.group === group;
}

/**
 * The groups' dead letters: listing, purge tombstones, and resends back to the group (a copy in the group's
 * retry topic for the letter's topic, which the pop service delivers to that group alone).
 */
export class DeadLetters {
  private readonly book: DeadLetterBook;

  constructor(
    private readonly host: DeliveriesHost,
    metaDir: string,
  ) {
    this.book = new DeadLetterBook(metaDir, {
      copyStored: (r) => this.copies(r.messageId).some((m) => isResendCopy(m, r.group, r.key)),
      minOffset: (group) => host.store.minOffset(dlqTopicOf(group), 0),
    });
  }

  private copies(messageId: string): StoredMessage[] {
    return this.host.store.lookupAllById(messageId, MAX_COPIES);
  }

  /** The group's DLQ topic, undefined while nothing was dead-lettered for it (GROUP_NOT_FOUND for no such group). */
  private dlqOf(group: string): string | undefined {
    const dlq = dlqTopicOf(group);
    if (this.host.catalog.topics.has(dlq)) return dlq;
    this.host.catalog.getGroup(group);
    return undefined;
  }

  /** A page of a group's dead letters by store time (purged ones left out), with the browse's filters. */
  list(group: string, req: DeadLetterQuery): DeadLetterPage {
    const dlq = this.dlqOf(group);
    const reachedFallback = req.order === 'oldest' ? req.beginMs : req.endMs;
    if (dlq === undefined) return { letters: [], scannedMessages: 0, scannedBytes: 0, reachedMs: reachedFallback };
    const page = this.host.browse(dlq, req, (m) => !this.book.isPurged(group, m.queueOffset));
    return {
      letters: page.messages.map((m) => toDeadLetter(m, this.book.resentAt(group, m.queueOffset))),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      scannedMessages: page.scannedMessages,
      scannedBytes: page.scannedBytes,
      reachedMs: page.reachedMs ?? reachedFallback,
    };
  }

  /** Dead letters stored for the group, minus the purged ones. */
  count(group: string): number {
    const dlq = this.dlqOf(group);
    if (dlq === undefined) return 0;
    const min = this.host.store.minOffset(dlq, 0);
    const max = this.host.store.maxOffset(dlq, 0);
    return max - min - this.book.purgedCount(group, min, max);
  }

  /** Purges dead letters (one, a selection, or all stored now); returns how many were purged. */
  purge(group: string, target: PurgeTarget): number {
    if ('offsets' in target && (!Array.isArray(target.offsets) || target.offsets.length > MAX_PURGE_OFFSETS || !target.offsets.every(Number.isInteger))) {
      throw new BrokerError('INVALID_ARGUMENT', `Purge takes a list of at most ${MAX_PURGE_OFFSETS} letter offsets at a time; purge larger selections in batches`, {
        field: 'offsets',
      });
    }
    const dlq = this.dlqOf(group);
    if (dlq === undefined) return 0;
    if ('all' in target) {
      const n = this.count(group);
      if (n > 0) this.book.purgeBelow(group, this.host.store.maxOffset(dlq, 0));
      return n;
    }
    const min = this.host.store.minOffset(dlq, 0);
    const max = this.host.store.maxOffset(dlq, 0);
    const offsets = [...new Set(target.offsets)].filter((o) => o >= min && o < max && !this.book.isPurged(group, o));
    this.book.purge(group, offsets);
    return offsets.length;
  }

  /** The group's letter at a DLQ offset: DEAD_LETTER_NOT_FOUND when there is none (never, purged, or removed by retention). */
  private letterAt(group: string, offset: number): StoredMessage {
    const dlq = this.dlqOf(group);
    const letter = dlq !== undefined && Number.isInteger(offset) && !this.book.isPurged(group, offset) ? this.host.store.getByOffset(dlq, 0, offset) : undefined;
    if (!letter) {
      throw new BrokerError(
        'DEAD_LETTER_NOT_FOUND',
        `Group "${group}" has no dead letter at offset ${offset}: it was purged or removed by retention, or never stored`,
        { group, offset },
      );
    }
    return letter;
  }

  /**
   * Sends a dead letter back to its group for another round: a copy in the group's retry topic, delivered
   * as a message of its original topic with attempts from 1. With a dedupe key, at most once per key, also
   * across a crash: `{ resent: false }` for a key already used.
   */
  async resend(group: string, offset: number, opts: { by: string; dedupeKey?: string }): Promise<{ resent: boolean }> {
    this.host.catalog.getGroup(group);
    const key = opts.dedupeKey;
    if (key !== undefined && this.book.hasKey(key)) return { resent: false };
    const letter = this.letterAt(group, offset);
    const { messageId } = letter;
    // The stored copies have the last word: a key whose journal line a machine crash lost still has its copy.
    if (key !== undefined && this.copies(messageId).some((m) => isResendCopy(m, group, key))) return { resent: false };
    const origin = originOf(letter);
    this.host.catalog.getTopic(origin.topic);
    const record = { group, offset, messageId, at: Date.now(), ...(key !== undefined ? { key } : {}) };
    this.book.begin(record);
    try {
      await this.host.store.put([retryCopyInput(this.host.store, letter, group, key !== undefined ? { resendKey: key } : {})]);
    } catch (e) {
      this.book.abort(record);
      throw e;
    }
    this.book.done(record);
    this.host.trace({ messageId, step: 'RESENT', group, topic: origin.topic, detail: `dead letter ${offset} resent to group ${group} by ${opts.by}`, ...contextOf(letter) });
    return { resent: true };
  }

  close(): void {
    this.book.close();
  }
}
