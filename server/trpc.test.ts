import { TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BrokerError, ERROR_SURFACES, type BrokerErrorCode } from './broker/index.ts';
import { startConsoleTestEnv, testUser, trpcError, type ConsoleTestEnv } from './console-test-env.ts';
import { appRouter } from './routers/_app.ts';
import { asEngineError, audits, createCallerFactory, operatorProcedure, router, zodSentence, type ProcedureMeta } from './trpc.ts';

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

describe('every engine error code over HTTP', () => {
  const CODES = Object.keys(ERROR_SURFACES) as BrokerErrorCode[];
  /** The engine's own faults, deliberately 5xx: unavailable while it cannot store, 500 when it is broken. */
  const SERVER_FAULTS: Partial<Record<BrokerErrorCode, number>> = {
    DISK_FULL: 503,
    STORE_CLOSED: 503,
    DATA_DIR_LOCKED: 503,
    CORRUPT_DATA: 500,
    STORE_WRITE_FAILED: 500,
    INTERNAL: 500,
  };

  async function failWith(code: BrokerErrorCode): Promise<{ status: number; message: string; appCode: string }> {
    const { BrokerError: EngineCopyError } = await secondCopy();
    const probe = router({
      fail: operatorProcedure
        .meta(audits('code'))
        .input(z.object({ code: z.string() }))
        .mutation(({ input }) => {
          throw new EngineCopyError(input.code as BrokerErrorCode, `The engine says ${input.code}`);
        }),
    });
    const req = new Request('http://localhost/api/trpc/fail', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    const user = testUser('operator', 'prober');
    const res = await fetchRequestHandler({ endpoint: '/api/trpc', req, router: probe, createContext: () => ({ db: env.db, runtime: env.runtime, ip: null, user }) });
    const body = (await res.json()) as { error: { message: string; data: { appCode: string } } };
    return { status: res.status, message: body.error.message, appCode: body.error.data.appCode };
  }

  it('each answers a 4xx, or the deliberate 5xx of a server fault, with its code and sentence, and is audited with its code', async () => {
    for (const code of CODES) {
      const answer = await failWith(code);
      expect({ code, ...answer }).toEqual({ code, status: getHTTPStatusCodeFromError(new TRPCError({ code: ERROR_SURFACES[code].http })), message: `The engine says ${code}`, appCode: code });
      const expected = SERVER_FAULTS[code];
      if (expected) expect({ code, status: answer.status }).toEqual({ code, status: expected });
      else expect({ code, clientError: answer.status >= 400 && answer.status < 500 }).toEqual({ code, clientError: true });
    }
    const audit = await env.db.auditEvent.findMany({ where: { actor: 'prober' }, orderBy: [{ at: 'asc' }, { id: 'asc' }] });
    expect(audit.map((e) => [e.target, e.errorCode])).toEqual(CODES.map((c) => [c, c]));
  });
});

describe('control-plane races', () => {
  it('a row another request created or removed in between is a conflict or not found, not a server error', async () => {
    const probe = router({
      createTwice: operatorProcedure.meta(audits()).mutation(async ({ ctx }) => {
        for (let i = 0; i < 2; i++) await ctx.db.consoleUser.create({ data: { username: 'twin', passwordHash: 'x', role: 'viewer' } });
      }),
      updateGone: operatorProcedure.meta(audits()).mutation(({ ctx }) => ctx.db.consoleUser.update({ where: { username: 'nobody' }, data: { role: 'admin' } })),
    });
    const caller = createCallerFactory(probe)({ db: env.db, runtime: env.runtime, ip: null, user: testUser('operator') });
    expect(await trpcError(caller.createTwice())).toEqual({ code: 'CONFLICT', appCode: 'ALREADY_EXISTS' });
    expect(await trpcError(caller.updateGone())).toEqual({ code: 'NOT_FOUND', appCode: 'NOT_FOUND' });
  });
});

describe('input errors', () => {
  it('read as one sentence naming the field, the issues kept for the fields', () => {
    const schema = z.object({ deliverAt: z.number('Enter a time'), keys: z.array(z.string().max(3, 'At most 3 characters')) });
    const result = schema.safeParse({ deliverAt: 'soon', keys: ['ok', 'too long'] });
    expect(result.success).toBe(false);
    expect(zodSentence(result.error!)).toBe('Deliver at: Enter a time (and 1 more problem)');
    const nested = schema.safeParse({ deliverAt: 1, keys: ['too long'] });
    expect(zodSentence(nested.error!)).toBe('Keys #1: At most 3 characters');
    expect(zodSentence(z.string().min(1, 'Enter a value').safeParse('').error!)).toBe('Enter a value');
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
