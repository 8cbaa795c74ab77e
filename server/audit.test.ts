import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditInputJson, recordAudit, REDACTED, sanitizeAuditInput } from './audit.ts';
import { startConsoleTestEnv, type ConsoleTestEnv } from './console-test-env.ts';
import type { Db } from './db.ts';

describe('sanitizeAuditInput', () => {
  it('strips secret-looking fields at any depth, keeps the rest', () => {
    const input = {
      username: 'bob',
      password: 'hunter2',
      newPassword: 'hunter3',
      account: { accessKey: 'AK123', secretKey: 'SK456', secret_key: 'SK789', note: 'keep' },
      list: [{ token: 't1', name: 'x' }, { apiToken: 't2' }],
      Authorization: 'Bearer abc',
      clientSecret: 's',
      topic: 'orders',
      queues: 8,
      fifo: false,
      nothing: null,
    };
    const out = sanitizeAuditInput(input);
    expect(out).toEqual({
      username: 'bob',
      password: REDACTED,
      newPassword: REDACTED,
      account: { accessKey: REDACTED, secretKey: REDACTED, secret_key: REDACTED, note: 'keep' },
      list: [{ token: REDACTED, name: 'x' }, { apiToken: REDACTED }],
      Authorization: REDACTED,
      clientSecret: REDACTED,
      topic: 'orders',
      queues: 8,
      fifo: false,
      nothing: null,
    });
    const json = auditInputJson(input);
    for (const secret of ['hunter2', 'hunter3', 'AK123', 'SK456', 'SK789', 't1', 't2', 'Bearer']) {
      expect(json).not.toContain(secret);
    }
    expect(input.password).toBe('hunter2'); // the caller's object is untouched
  });

  it('summarizes big, binary, deep and circular values', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    const out = sanitizeAuditInput({
      body: 'x'.repeat(2000),
      bytes: new Uint8Array(10),
      when: new Date('2030-01-01T00:00:00Z'),
      big: 10n,
      many: Array.from({ length: 60 }, (_, i) => i),
      deep: { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } },
      circular,
      fn: () => 1,
    }) as Record<string, unknown>;
    expect(String(out.body)).toMatch(/^x{500}… \(2000 chars\)$/);
    expect(out.bytes).toBe('[10 bytes]');
    expect(out.when).toBe('2030-01-01T00:00:00.000Z');
    expect(out.big).toBe('10');
    expect(out.many).toHaveLength(51);
    expect(JSON.stringify(out.deep)).toContain('[object]');
    expect(out.circular).toEqual({ a: 1, self: '[circular]' });
    expect(out).not.toHaveProperty('fn');
    expect(auditInputJson({ huge: Array.from({ length: 50 }, () => 'y'.repeat(500)) }).length).toBeLessThanOrEqual(8_000);
  });
});

describe('recordAudit', () => {
  let env: ConsoleTestEnv;
  let db: Db;
  beforeAll(async () => {
    env = await startConsoleTestEnv();
    db = env.db;
  });
  afterAll(() => env.close());

  it('stores the event with a sanitized input summary', async () => {
    const ev = await recordAudit(db, {
      actor: 'admin',
      actorId: 'u1',
      action: 'user.create',
      target: 'bob',
      input: { username: 'bob', role: 'viewer', password: 'hunter2' },
      result: 'ok',
    });
    const stored = await db.auditEvent.findUniqueOrThrow({ where: { id: ev.id } });
    expect(stored).toMatchObject({ actor: 'admin', actorId: 'u1', action: 'user.create', target: 'bob', result: 'ok' });
    expect(stored.errorCode).toBeNull();
    expect(JSON.parse(stored.input)).toEqual({ username: 'bob', role: 'viewer', password: REDACTED });
    expect(stored.input).not.toContain('hunter2');
    expect(stored.at).toBeInstanceOf(Date);
  });

  it('records failures with their error code and instance', async () => {
    const ev = await recordAudit(db, {
      actor: 'ops',
      action: 'acl.account.create',
      target: 'default/ak1',
      input: { accessKey: 'ak1', secretKey: 'sk1' },
      result: 'error',
      errorCode: 'CONFLICT',
      instanceId: 'inst-1',
    });
    expect(ev).toMatchObject({ result: 'error', errorCode: 'CONFLICT', instanceId: 'inst-1', actorId: null });
    expect(JSON.parse(ev.input)).toEqual({ accessKey: REDACTED, secretKey: REDACTED });
  });
});
