import path from 'node:path';
import type { z } from 'zod';
import { BrokerError } from './errors.ts';
import { readJson, writeJsonAtomic } from './json-file.ts';

/** A named set of metadata records persisted as one JSON file, rewritten atomically on every change. */
export class Registry<T extends { name: string }> {
  private readonly items = new Map<string, T>();
  private readonly file: string;

  constructor(dir: string, fileName: string, schema: z.ZodType<T>) {
    this.file = path.join(dir, fileName);
    const raw = readJson(this.file);
    if (raw === undefined) return;
    const parsed = (schema.array() as z.ZodType<T[]>).safeParse(raw);
    if (!parsed.success) {
      throw new BrokerError('CORRUPT_DATA', `Metadata file ${this.file} is invalid: ${parsed.error.issues[0]?.message ?? 'unknown'}`);
    }
    for (const item of parsed.data) this.items.set(item.name, item);
  }

  get(name: string): T | undefined {
    return this.items.get(name);
  }

  has(name: string): boolean {
    return this.items.has(name);
  }

  list(): T[] {
    return [...this.items.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Adds or replaces the item, persists the set, and returns the item. */
  put(item: T): T {
    this.items.set(item.name, item);
    this.save();
    return item;
  }

  delete(name: string): boolean {
    const had = this.items.delete(name);
    if (had) this.save();
    return had;
  }

  private save(): void {
    writeJsonAtomic(this.file, [...this.items.values()]);
  }
}
