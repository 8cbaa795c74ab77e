/** The instance router's checks across fields of a spec. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleTestEnv, testUser, trpcError, type ConsoleTestEnv } from '../console-test-env.ts';
import { AppError } from '../trpc.ts';

let env: ConsoleTestEnv;
beforeAll(async () => {
  env = await startConsoleTestEnv();
});
afterAll(() => env.close());

const admin = () => env.caller(testUser('admin', 'admin-user'));

/** The field and sentence a call is refused with. */
async function refusal(p: Promise<unknown>): Promise<{ field?: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return { ...(e.field !== undefined ? { field: e.field } : {}), message: e.message };
    throw e;
  }
  throw new Error('the call was not refused');
}

describe('trace retention', () => {
  it('may not exceed the message retention, on create and on update, as a field error on traceRetentionHours', async () => {
    const tooLong = await refusal(admin().instance.create({ name: 'eu-3', region: 'eu', grpcPort: 0, retentionHours: 24, traceRetentionHours: 48 }));
    expect(tooLong).toEqual({ field: 'traceRetentionHours', message: expect.stringContaining('a trace outliving its message could only be found by id') });
    // Past the default message retention (72 h) when none is given.
    expect(await trpcError(admin().instance.create({ name: 'eu-3', region: 'eu', grpcPort: 0, traceRetentionHours: 100 }))).toMatchObject({ code: 'BAD_REQUEST' });

    const created = await admin().instance.create({ name: 'eu-3', region: 'eu', grpcPort: 0, retentionHours: 48, traceRetentionHours: 24 });
    // Lowering the message retention below the trace retention the instance keeps is refused too.
    expect(await refusal(admin().instance.update({ instanceId: created.id, retentionHours: 12 }))).toMatchObject({ field: 'traceRetentionHours' });
    expect(await refusal(admin().instance.update({ instanceId: created.id, traceRetentionHours: 49 }))).toMatchObject({ field: 'traceRetentionHours' });
    expect(await admin().instance.update({ instanceId: created.id, retentionHours: 24 })).toMatchObject({ retentionHours: 24, traceRetentionHours: 24 });
  });

  it('shows the trace events an instance lost in its summary', async () => {
    const created = await admin().instance.create({ name: 'eu-4', region: 'eu', grpcPort: 0 });
    expect(created.summary).toMatchObject({ traceShed: 0, traceWriteDropped: 0 });
  });
});
