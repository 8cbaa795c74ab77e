/**
 * Child process of job-crash.test.ts: the console's server side started as `npm start` starts it (boot: the
 * control plane, the embedded instances, the background jobs a previous process left running), without Next.
 * Its job claims hold for a short lease, so a console started after one killed takes the job over soon.
 *
 *   node --import tsx console-process.fixture.ts <data root> <database url> [pause after n resends]
 *
 * Prints IDLE once every job is done and exits. With a pause count, it stops dead after that many resends
 * (in the middle of a batch, before the batch's progress is saved), prints PAUSED and waits to be killed.
 */
import { boot } from '../boot.ts';
import { Broker } from '../broker/index.ts';
import { createDb } from '../db.ts';
import { Runtime } from '../runtime.ts';
import { jobRunner } from './runner.ts';

/** Never outlive a parent that forgot to kill us. */
const WATCHDOG_MS = 120_000;
/** How long a killed console's claim on its job holds. */
const LEASE_MS = 1_000;

function pauseAfter(resends: number): void {
  const resend = Broker.prototype.resendDeadLetter;
  let done = 0;
  Broker.prototype.resendDeadLetter = async function (this: Broker, ...args: Parameters<Broker['resendDeadLetter']>) {
    const r = await resend.apply(this, args);
    if (++done === resends) {
      process.stdout.write('PAUSED\n');
      await new Promise<never>(() => {});
    }
    return r;
  };
}

async function main(): Promise<void> {
  const [dataRoot, url, pause] = process.argv.slice(2);
  if (!dataRoot || !url) throw new Error('usage: console-process.fixture.ts <data root> <database url> [pause after n resends]');
  setTimeout(() => process.exit(2), WATCHDOG_MS);
  if (pause) pauseAfter(Number(pause));
  const db = createDb(url);
  const runtime = new Runtime(dataRoot);
  // A short lease: the next console takes over the job of the one killed before it soon after starting.
  jobRunner(db, runtime, { leaseMs: LEASE_MS });
  await boot(db, runtime, { MERIDIAN_ADMIN_PASSWORD: 'fixture-admin-pass' });
  await jobRunner(db, runtime).idle();
  process.stdout.write('IDLE\n');
  await runtime.stopAll();
  await db.$disconnect();
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
