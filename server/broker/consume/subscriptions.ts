import path from 'node:path';
import { z } from 'zod';
import { subscriptionFilter, type FilterType } from '../filter/subscription.ts';
import { readJson } from '../json-file.ts';
import { DeferredJson } from './deferred-json.ts';

/** A consumer's filter for a topic, as it sent it (`TAG` `a || b`, or `SQL` over user properties). */
export interface Subscription {
  type: FilterType;
  expression: string;
}

const SubscriptionSchema = z.object({ type: z.enum(['TAG', 'SQL']), expression: z.string() });
const TableSchema = z.record(z.string(), z.record(z.string(), SubscriptionSchema));

/** "TAG:a || b", "SQL:amount > 10": how the console names a subscription. */
export function describeSubscription(s: Subscription): string {
  return `${s.type}:${s.expression}`;
}

/**
 * The last subscription each group's consumers received a topic with (group → topic → subscription), kept in
 * `metadata/subscriptions.json`: which groups subscribe to a topic beyond those with offsets on it, and with
 * which filter. A receive costs a lookup; a changed expression marks the file dirty and it is written off the
 * receive path (DeferredJson), and at close.
 */
export class SubscriptionStore {
  private readonly table: z.infer<typeof TableSchema>;
  private readonly file: DeferredJson;

  constructor(metaDir: string) {
    const file = path.join(metaDir, 'subscriptions.json');
    const parsed = TableSchema.safeParse(readJson(file) ?? {});
    this.table = parsed.success ? parsed.data : {};
    this.file = new DeferredJson(file, () => this.table);
  }

  get(group: string, topic: string): Subscription | undefined {
    return this.table[group]?.[topic];
  }

  /** Keeps the group's subscription for the topic; a new one must compile (INVALID_FILTER otherwise). */
  remember(group: string, topic: string, s: Subscription): void {
    const known = this.table[group]?.[topic];
    if (known && known.type === s.type && known.expression === s.expression) return;
    subscriptionFilter(s.type, s.expression);
    (this.table[group] ??= {})[topic] = { type: s.type, expression: s.expression };
    this.file.markDirty();
  }

  /** Groups remembered for a topic. */
  groupsOf(topic: string): string[] {
    return Object.keys(this.table).filter((g) => this.table[g]?.[topic] !== undefined);
  }

  forget(match: { group?: string; topic?: string }): void {
    if (match.group !== undefined) delete this.table[match.group];
    if (match.topic !== undefined) for (const byTopic of Object.values(this.table)) delete byTopic[match.topic];
    this.file.markDirty();
  }

  close(): void {
    this.file.flush();
  }
}
