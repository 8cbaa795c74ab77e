import fs from 'node:fs';
import path from 'node:path';
import { BrokerError } from './errors.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the data directory's lock file (holding our pid). A lock left by a dead process (kill -9) is taken
 * over; one held by a live process refuses the open.
 */
/** Data directories this process holds: a LOCK with our own pid but not in here is left from a previous life. */
const held = new Set<string>();

export function acquireLock(dataDir: string): () => void {
  const file = path.join(dataDir, 'LOCK');
  const key = fs.realpathSync(dataDir);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      held.add(key);
      return () => {
        held.delete(key);
        fs.rmSync(file, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(fs.readFileSync(file, 'utf8').trim());
      const ours = holder === process.pid && !held.has(key);
      if (Number.isInteger(holder) && holder > 0 && !ours && alive(holder)) {
        throw new BrokerError(
          'DATA_DIR_LOCKED',
          `Data directory ${dataDir} is in use by process ${holder}${holder === process.pid ? ' (this process)' : ''}; stop it or choose another --data-dir`,
          { pid: holder },
        );
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new BrokerError('DATA_DIR_LOCKED', `Could not lock data directory ${dataDir}`);
}
