import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes a file so that a crash leaves the old or the new content, never a mix, and the new content is
 * durable when the promise resolves: write a temporary file, fsync it, rename it over the old one, fsync
 * the directory (so the rename itself survives a crash). Every step runs in the libuv pool: the
 * checkpoint's fsync took up to 22 ms under load, on the event loop, in front of every user's put.
 */
export async function writeFileDurably(file: string, data: string): Promise<void> {
  const tmp = `${file}.tmp`;
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
  const dir = await fs.open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
