/**
 * Request authentication spoken to directly over gRPC, as SDKs other than Node's sign: lowercase hex, Go's
 * credential form, local time with a 'Z', clock skew, and the refusals of streams. No SDK involved.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Fixture, mqDateTime, RawClient, rawMetadata, wireMessage, type RawCredentials, type RawStatus } from './sdk-test-helpers.ts';

const PASSWORD = 'Pa55-w0rd-raw';
const HOUR = 3_600_000;

let fx: Fixture;
let client: RawClient;

beforeAll(async () => {
  fx = await Fixture.start();
  fx.broker.createTopic({ name: 'orders' });
  fx.broker.createGroup({ name: 'billing' });
  fx.broker.access.createUser({ username: 'app', password: PASSWORD, userType: 'NORMAL', userStatus: 'ENABLE' });
  fx.broker.access.setPolicy('app', {
    policyType: 'CUSTOM',
    entries: [
      { resource: 'Topic:orders', actions: ['PUB', 'SUB'], sourceIps: [], decision: 'ALLOW' },
      { resource: 'Group:billing', actions: ['SUB'], sourceIps: [], decision: 'ALLOW' },
    ],
  });
  fx.broker.access.updateSettings({ authentication: true, authorization: true });
  client = new RawClient(fx.endpoints);
});

afterAll(async () => {
  client?.close();
  await fx?.close();
});

const good = (extra: Partial<RawCredentials> = {}): RawCredentials => ({ accessKey: 'app', accessSecret: PASSWORD, ...extra });

async function queryRoute(creds: RawCredentials | undefined, dateTime?: string | null): Promise<RawStatus> {
  const md = rawMetadata({ ...(creds ? { creds } : {}), ...(dateTime !== undefined ? { dateTime } : {}) });
  const reply = await client.unary<{ status: RawStatus }>('QueryRoute', { topic: { name: 'orders', resource_namespace: '' } }, md);
  return reply.status;
}

/** The signature an authorization header of these credentials carries, to prove a refusal never echoes it. */
function signatureOf(creds: RawCredentials): string {
  return /Signature=([0-9a-fA-F]+)/.exec(rawMetadata({ creds }).get('authorization')[0] as string)![1]!;
}

describe('signatures as the other SDKs make them', () => {
  it('accepts the Node/Java uppercase hex and the Go/Python lowercase hex', async () => {
    expect((await queryRoute(good())).code).toBe('OK');
    expect((await queryRoute(good({ lowercase: true }))).code).toBe('OK');
  });

  it("accepts Go's Credential=<AK>//Rocketmq", async () => {
    expect((await queryRoute(good({ credential: 'app//Rocketmq', lowercase: true }))).code).toBe('OK');
  });

  it('accepts a date-time 8 hours ahead: local time with a Z, as the Java and Go SDKs send from UTC+8', async () => {
    expect((await queryRoute(good({ dateTime: mqDateTime(new Date(Date.now() + 8 * HOUR)) }))).code).toBe('OK');
  });

  it('refuses a date-time 1 h 20 min off (no time zone explains it), naming the clock', async () => {
    const status = await queryRoute(good({ dateTime: mqDateTime(new Date(Date.now() - HOUR - 20 * 60_000)) }));
    expect(status.code).toBe('UNAUTHORIZED');
    expect(status.message).toMatch(/User:app from 127\.0\.0\.1 was signed \d+ s away from the broker's clock .*check the client's clock/);
  });

  it('refuses a request without x-mq-date-time', async () => {
    const status = await queryRoute(good(), null);
    expect(status).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/User:app from 127\.0\.0\.1 has no x-mq-date-time/) });
  });

  it('refuses a malformed authorization header', async () => {
    const md = rawMetadata();
    md.set('authorization', 'MQv2-HMAC-SHA1 Credential=app, SignedHeaders=x-mq-date-time, Signature=not-hex');
    const reply = await client.unary<{ status: RawStatus }>('QueryRoute', { topic: { name: 'orders', resource_namespace: '' } }, md);
    expect(reply.status).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/malformed authorization header/) });
  });

  it('never puts the password or the signature in a refusal', async () => {
    const wrong = good({ accessSecret: `${PASSWORD}-wrong` });
    const status = await queryRoute(wrong);
    expect(status.code).toBe('UNAUTHORIZED');
    for (const secret of [PASSWORD, wrong.accessSecret, signatureOf(wrong), signatureOf(wrong).toLowerCase()]) expect(status.message).not.toContain(secret);
  });
});

describe('streams with bad credentials', () => {
  let telemetry: ReturnType<typeof client.duplex<object, { status?: RawStatus | null }>> | undefined;
  afterEach(() => {
    telemetry?.on('error', () => undefined);
    telemetry?.cancel();
    telemetry = undefined;
  });

  it('the Telemetry stream answers each command with UNAUTHORIZED in TelemetryCommand.status', async () => {
    telemetry = client.duplex<object, { status?: RawStatus | null }>('Telemetry', rawMetadata({ creds: good({ accessSecret: 'wrong' }) }));
    const reply = new Promise<{ status?: RawStatus | null }>((resolve, reject) => {
      telemetry!.once('data', resolve);
      telemetry!.once('error', reject);
    });
    telemetry.write({ settings: { client_type: 'PRODUCER', publishing: { topics: [{ name: 'orders', resource_namespace: '' }] } } });
    expect((await reply).status).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/signature of User:app .* does not match/) });
  });

  it('ReceiveMessage is refused in its first frame and the stream ends', async () => {
    const req = {
      group: { name: 'billing', resource_namespace: '' },
      message_queue: { topic: { name: 'orders', resource_namespace: '' }, id: 0, permission: 'READ_WRITE' },
      filter_expression: { type: 'TAG', expression: '*' },
      batch_size: 16,
      invisible_duration: { seconds: 30, nanos: 0 },
      long_polling_timeout: { seconds: 1, nanos: 0 },
    };
    const frames = await client.serverStream<{ status?: RawStatus | null }>('ReceiveMessage', req, rawMetadata({ creds: good({ accessKey: 'ghost' }) }));
    expect(frames).toHaveLength(1);
    expect(frames[0]?.status).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/User:ghost/) });
    const ok = await client.serverStream<{ status?: RawStatus | null }>('ReceiveMessage', req, rawMetadata({ creds: good() }));
    expect(ok[0]?.status?.code).toBe('MESSAGE_NOT_FOUND');
  });
});

describe('a refused send with a message id', () => {
  it('is traced as PRODUCE_FAILED with status UNAUTHORIZED and the reason', async () => {
    fx.broker.createTopic({ name: 'payments' });
    const id = '01AB00000000000000000000000ACL01';
    const reply = await client.unary<{ status: RawStatus; entries: { status: RawStatus }[] }>('SendMessage', { messages: [wireMessage('payments', id)] }, rawMetadata({ creds: good() }));
    expect(reply.entries[0]?.status).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/User:app has no permission to PUB Topic:payments from 127\.0\.0\.1/) });
    expect(await fx.broker.traceOf(id)).toEqual([expect.objectContaining({ step: 'PRODUCE_FAILED', status: 'UNAUTHORIZED', topic: 'payments', detail: expect.stringMatching(/User:app/) })]);
    expect(fx.broker.topicStats('payments').messageCount).toBe(0);
  });
});
