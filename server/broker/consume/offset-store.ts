import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { readJson } from '../json-file.ts';
import { logger } from '../logger.ts';
import { writeFileDurably } from '../store/atomic-file.ts';

const OffsetsSchema = z.record(z.string(), z.record(z.string(), z.record(z.string(), z.number().int().nonnegative())));
type OffsetTable = z.infer<typeof OffsetsSchema>;

/**
 * Consumer offsets: group → topic → queue → next offset to consume. Kept in memory and persisted on a short
 * timer and at close, as RocketMQ does; a crash may re-deliver the last moments, never skip. Writes run in
 * libuv's pool one at a time (an fsync on the event loop stalled every consumer's receive and ack behind it
 * once a second).
 */
export class OffsetStore {
  private table: OffsetTable;
  private dirty = false;
  private readonly file: string;
  private readonly timer: NodeJS.Timeout;
  /** The write in flight (or the last one): the next one starts after it, so no two share the temp file. */
  private writing: Promise<void> = Promise.resolve();

  constructor(dir: string, persistIntervalMs: number) {
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, 'offsets.json');
    const parsed = OffsetsSchema.safeParse(readJson(this.file) ?? {});
    this.table = parsed.success ? parsed.data : {};
    this.timer = setInterval(() => void this.persist(), persistIntervalMs).unref();
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
    void this.persist();
  }

  dropTopic(topic: string): void {
    for (const byTopic of Object.values(this.table)) delete byTopic[topic];
    this.dirty = true;
    void this.persist();
  }

  /** Writes the table if it changed; resolves once that (and any earlier write) is durable. */
  persist(): Promise<void> {
    if (!this.dirty) return this.writing;
    this.dirty = false;
    const data = JSON.stringify(this.table);
    this.writing = this.writing.then(() =>
      writeFileDurably(this.file, data).catch((e: unknown) => {
        // Kept in memory and written with the next tick or at close.
        this.dirty = true;
        logger.error({ event: 'metadata.write_failed', file: this.file, err: (e as Error).message }, 'could not write the consumer offsets');
      }),
    );
    return this.writing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.persist();
  }
}
