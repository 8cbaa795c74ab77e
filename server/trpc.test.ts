import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerError } from './broker/index.ts';
import { startConsoleTestEnv, testUser, trpcError, type ConsoleTestEnv } from './console-test-env.ts';
import { appRouter } from './routers/_app.ts';
import { asEngineError, createCallerFactory, operatorProcedure, router, type ProcedureMeta } from './trpc.ts';

type ErrorsModule = typeof import('./broker/errors.ts');

/** A second instance of the engine's error module, as a second bundle would hold (vite keys modules by URL). */
async function secondCopy(): Promise<ErrorsModule> {
  const url = './broker/errors.ts?second-copy';
  return (await import(/* @vite-ignore */ url)) as ErrorsModule;
}

let env: ConsoleTestEnv;

beforeAll(async () => {
  env = await startConsoleTestEnv();
});

afterAll(() => env.close());

describe('engine errors from another copy of the engine', () => {
  it('are recognised by shape, and nothing else is', async () => {
    const { BrokerError: OtherBrokerError } = await secondCopy();
    const other = new OtherBrokerError('TOPIC_EXISTS', 'Topic "t" already exists');
    expect(other).not.toBeInstanceOf(BrokerError);
    expect(asEngineError(other)?.code).toBe('TOPIC_EXISTS');
    expect(asEngineError(new BrokerError('QUEUE_NOT_FOUND', 'no queue 9'))?.code).toBe('QUEUE_NOT_FOUND');
    expect(asEngineError(new Error('plain'))).toBeUndefined();
    expect(asEngineError(Object.assign(new Error('x'), { name: 'BrokerError', code: 'toString', details: {} }))).toBeUndefined();
    expect(asEngineError({ name: 'BrokerError', code: 'TOPIC_EXISTS', details: {} })).toBeUndefined();
  });

  it('still answer with their HTTP class and code, and are audited with it', async () => {
    const { BrokerError: OtherBrokerError } = await secondCopy();
    const probe = router({
      fail: operatorProcedure.meta({ audit: { target: ['name'] } }).mutation(() => {
        throw new OtherBrokerError('MESSAGE_TOO_LARGE', 'Message body is 5 bytes; the limit is 4 bytes');
      }),
    });
    const caller = createCallerFactory(probe)({ db: env.db, runtime: env.runtime, ip: null, user: testUser('operator') });
    expect(await trpcError(caller.fail())).toEqual({ code: 'PAYLOAD_TOO_LARGE', appCode: 'MESSAGE_TOO_LARGE' });
    const event = await env.db.auditEvent.findFirstOrThrow({ where: { action: 'fail' } });
    expect([event.result, event.errorCode]).toEqual(['error', 'MESSAGE_TOO_LARGE']);
  });
});

describe('audit declarations', () => {
  it('every mutation of the console API says what its audit event names', () => {
    // Typed as the nested router record, but flat by dotted path at runtime.
    const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string; meta?: ProcedureMeta } }>;
    const mutations = Object.entries(procedures).filter(([, p]) => p._def.type === 'mutation');
    expect(mutations.length).toBeGreaterThan(10);
    expect(mutations.filter(([, p]) => !p._def.meta?.audit).map(([path]) => path)).toEqual([]);
  });
});
