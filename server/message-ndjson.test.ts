import { describe, expect, it } from 'vitest';
import { maxLineChars, ndjsonLine, parseNdjsonLine, readLines, topicProblem, type NdjsonMessage, type NumberedLine } from './message-ndjson.ts';

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(encoder.encode(chunk));
      c.close();
    },
  });
}

async function lines(stream: ReadableStream<Uint8Array>, maxChars = 1000): Promise<NumberedLine[]> {
  const out: NumberedLine[] = [];
  for await (const l of readLines(stream, maxChars)) out.push(l);
  return out;
}

const exported: NdjsonMessage = {
  messageId: '7F000001ABCD',
  topic: 'orders',
  namespace: 'shop',
  tag: 'created',
  keys: ['order-1', 'customer-9'],
  properties: { region: 'eu', 'trace-me': 'yes' },
  messageType: 'FIFO',
  messageGroup: 'order-1',
  bornTimestamp: 1_700_000_000_000,
  bornHost: '10.0.0.5:4312',
  storeTimestamp: 1_700_000_000_007,
  queueId: 3,
  queueOffset: 41,
  bodyBase64: Buffer.from('{"id":1}').toString('base64'),
};

describe('the NDJSON message format', () => {
  it('an exported line reads back as the same message to send: body, tag, keys, properties, group, type and born time', () => {
    const line = ndjsonLine(exported);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    const r = parseNdjsonLine(line);
    expect(r).toEqual({
      ok: true,
      message: {
        tag: 'created',
        keys: ['order-1', 'customer-9'],
        properties: { region: 'eu', 'trace-me': 'yes' },
        messageType: 'FIFO',
        messageGroup: 'order-1',
        bornTimestamp: 1_700_000_000_000,
        bornHost: '10.0.0.5:4312',
        body: { base64: exported.bodyBase64 },
        bodyBytes: 8,
      },
    });
  });

  it('a line a script wrote with only a text body imports, and so does one with only bodyBase64', () => {
    expect(parseNdjsonLine('{"body":"hello"}')).toEqual({ ok: true, message: { keys: [], properties: {}, body: { text: 'hello' }, bodyBytes: 5 } });
    expect(parseNdjsonLine('{"topic":"x","tag":"t","keys":["k"],"properties":{"a":"b"},"bodyBase64":"AAEC"}')).toMatchObject({ ok: true, message: { tag: 't', body: { base64: 'AAEC' }, bodyBytes: 3 } });
  });

  it('an empty tag means no tag, as export writes it for a message without one', () => {
    expect(parseNdjsonLine('{"tag":"","body":"x"}')).toMatchObject({ ok: true, message: { keys: [] } });
    const r = parseNdjsonLine('{"tag":"","body":"x"}');
    expect(r.ok && 'tag' in r.message).toBe(false);
  });

  it.each([
    ['not JSON', '{"body":', /^Not JSON/],
    ['not an object', '[1,2]', /Not a JSON object/],
    ['no body', '{"tag":"a"}', /exactly one of "body" \(text\) or "bodyBase64"/],
    ['both bodies', '{"body":"a","bodyBase64":"YQ=="}', /exactly one/],
    ['an empty body', '{"body":""}', /body is empty/],
    ['bad base64', '{"bodyBase64":"***"}', /bodyBase64: Not base64/],
    ['a tag with |', '{"tag":"a|b","body":"x"}', /^tag: Tag "a\|b" is invalid/],
    ['a blank key', '{"keys":[" "],"body":"x"}', /^keys\.0: Message key/],
    ['a reserved property', '{"properties":{"__MESSAGE_GROUP":"g"},"body":"x"}', /^properties\.__MESSAGE_GROUP: Property key "__MESSAGE_GROUP" is reserved/],
    ['an unknown message type', '{"messageType":"URGENT","body":"x"}', /^messageType:/],
  ])('a line with %s is refused with a sentence naming the field', (_what, line, error) => {
    const r = parseNdjsonLine(line);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(error);
  });

  it("a body above the instance's limit is refused before anything is sent", () => {
    const r = parseNdjsonLine(JSON.stringify({ bodyBase64: Buffer.alloc(2000).toString('base64') }), { maxMessageSize: 1024 });
    expect(!r.ok && r.error).toBe('body: 2000 bytes; the limit of this instance is 1024 bytes');
  });

  it('a message goes only into a topic of its type, a delivery time only into a DELAY topic, and nothing into a TRANSACTION topic', () => {
    const m = (line: string) => {
      const r = parseNdjsonLine(line);
      if (!r.ok) throw new Error(r.error);
      return r.message;
    };
    expect(topicProblem(m('{"body":"x"}'), 'FIFO')).toBeUndefined();
    expect(topicProblem(m('{"messageType":"FIFO","body":"x"}'), 'NORMAL')).toMatch(/a FIFO message does not go into a NORMAL topic/);
    expect(topicProblem(m('{"deliverAt":1,"body":"x"}'), 'NORMAL')).toMatch(/only DELAY topics/);
    expect(topicProblem(m('{"deliverAt":1,"body":"x"}'), 'DELAY')).toBeUndefined();
    expect(topicProblem(m('{"body":"x"}'), 'TRANSACTION')).toMatch(/TRANSACTION topics/);
  });
});

describe('reading a file line by line', () => {
  it('numbers every line of the file, skips blank ones, and joins lines split across chunks (also inside a UTF-8 character)', async () => {
    const euro = new TextEncoder().encode('€'); // 3 bytes
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(encoder.encode('{"body":"a"}\r\n\n{"body":"'));
        c.enqueue(euro.subarray(0, 1));
        c.enqueue(euro.subarray(1));
        c.enqueue(encoder.encode('"}\n  \n{"body":"last, no newline"}'));
        c.close();
      },
    });
    expect(await lines(stream)).toEqual([
      { line: 1, text: '{"body":"a"}' },
      { line: 3, text: '{"body":"€"}' },
      { line: 5, text: '{"body":"last, no newline"}' },
    ]);
  });

  it('stops at a line longer than the limit, naming it, instead of buffering it', async () => {
    await expect(lines(streamOf('{"body":"ok"}\n', 'x'.repeat(600), 'y'.repeat(600)), 1000)).rejects.toMatchObject({ name: 'LineTooLongError', line: 2 });
  });

  it('allows a line as long as a base64 body at the size limit', () => {
    const limit = 4 * 1024 * 1024;
    expect(maxLineChars(limit)).toBeGreaterThan(Buffer.alloc(limit).toString('base64').length + 1000);
  });
});
