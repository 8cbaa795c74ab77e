import path from 'node:path';
import { z } from 'zod';
import { readJson, writeJsonAtomic } from '../json-file.ts';

const OffsetsSchema = z.record(z.string(), z.record(z.string(), z.record(z.string(), z.number().int().nonnegative())));
type OffsetTable = z.infer<typeof OffsetsSchema>;

/**
 * Consumer offsets: group → topic → queue → next offset to consume. Kept in memory and persisted on a short
 * timer and at close, as RocketMQ does; a crash may re-deliver the last moments, never skip.
 */
export class OffsetStore {
  private table: OffsetTable;
  private dirty = false;
  private readonly file: string;
  private readonly timer: NodeJS.Timeout;

  constructor(dir: string, persistIntervalMs: number) {
    this.file = path.join(dir, 'offsets.json');
    const parsed = OffsetsSchema.safeParse(readJson(this.file) ?? {});
    this.table = parsed.success ? parsed.data : {};
    this.timer = setInterval(() => this.persist(), persistIntervalMs).unref();
  }

  get(group: string, topic: string, queueId: number): number | undefined {
    return this.table[group]?.[topic]?.[String(queueId)];
  }

  set(group: string, topic: string, queueId: number, offset: number): void {
    const byTopic = (this.table[group] ??= {});
    const byQueue = (byTopic[topic] ??= {});
    byQueue[String(queueId)] = offset;
    this.dirty = true;
  }

  topicsOf(group: string): string[] {
    return Object.keys(this.table[group] ?? {});
  }

  /** Names progress is kept under on a topic (groups, and broadcasting groups' clients). */
  groupsOf(topic: string): string[] {
    return Object.keys(this.table).filter((g) => this.table[g]?.[topic] !== undefined);
  }

  dropGroup(group: string): void {
    delete this.table[group];
    this.dirty = true;
    this.persist();
  }

  dropTopic(topic: string): void {
    for (const byTopic of Object.values(this.table)) delete byTopic[topic];
    this.dirty = true;
    this.persist();
  }

  persist(): void {
    if (!this.dirty) return;
    this.dirty = false;
    writeJsonAtomic(this.file, this.table);
  }

  close(): void {
    clearInterval(this.timer);
    this.persist();
  }
}
