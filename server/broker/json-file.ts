import fs from 'node:fs';
import path from 'node:path';

/** Writes a file so a crash leaves either the old or the new content, never a mix (write, fsync, rename). */
export function writeFileAtomic(file: string, data: string | Buffer): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export function writeJsonAtomic(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, JSON.stringify(value));
}

export function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * The lines of an append-only JSON-lines journal, oldest first, up to the first line that does not parse (a
 * torn last line from a crash); none when the file does not exist.
 */
export function readJournal<T>(file: string): T[] {
  if (!fs.existsSync(file)) return [];
  const out: T[] = [];
  for (const text of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!text) continue;
    try {
      out.push(JSON.parse(text) as T);
    } catch {
      break;
    }
  }
  return out;
}
