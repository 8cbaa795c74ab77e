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
export function acquireLock(dataDir: string): () => void {
  const file = path.join(dataDir, 'LOCK');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(fs.readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
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
