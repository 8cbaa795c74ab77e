import { writeJsonAtomic } from '../json-file.ts';
import { logger } from '../logger.ts';

/** How far a metadata file may lag its in-memory state: one second, as the offset checkpoint. */
const FLUSH_MS = 1000;

/**
 * A small metadata file kept in memory and written back off the caller's path: a change marks it dirty and
 * the file is rewritten (atomically: a crash leaves the old or the new content) within FLUSH_MS, and at
 * close. A crash loses at most the last FLUSH_MS of changes, which suits what it holds (remembered
 * subscriptions, verification outcomes), never what a client was promised.
 */
export class DeferredJson {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string,
    private readonly snapshot: () => unknown,
  ) {}

  markDirty(): void {
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS).unref();
  }

  /** Writes the file now if anything changed since it was last written. */
  flush(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    try {
      writeJsonAtomic(this.file, this.snapshot());
    } catch (e) {
      // Kept in memory and tried again with the next change or at close.
      logger.error({ event: 'metadata.write_failed', file: this.file, err: (e as Error).message }, 'could not write a metadata file');
      this.markDirty();
    }
  }
}
