import { DEFAULT_QUEUES, MAX_MESSAGE_ID_BYTES, unwrapName, type ProducerInfo, type PutMessage } from '../../../server/broker/index.ts';
import { admitSend, authorize, topicCheck } from '../access.ts';
import type { CallContext } from '../context.ts';
import { toPutMessage } from '../messages.ts';
import { combined, OK, ProtocolError, toStatus } from '../status.ts';
import type { Resource, Status, WireMessage } from '../wire.ts';
import { ensureNamespace, topicName, unary, type Handlers, type ServiceOptions } from './shared.ts';

interface SendEntry {
  status: Status;
  message_id: string;
  transaction_id: string;
  offset: number;
  recall_handle: string;
}

/** Producing: SendMessage (single and batch, each entry with its own status) and RecallMessage. */
export function produceHandlers(opts: ServiceOptions): Handlers {
  const { broker } = opts;

  /**
   * The sending client for the trace: the SDK's own word from its settings (NODE_JS, JAVA, …) before the
   * headers (the Node SDK sends `x-mq-language: HTTP`).
   */
  function producerOf(ctx: CallContext, receivedAt: number): ProducerInfo {
    const agent = opts.clients.settingsOf(ctx.clientId)?.user_agent;
    const sdk = `${agent?.language || ctx.language} ${agent?.version || ctx.version}`.trim();
    return { clientId: ctx.clientId, receivedAt, ...(sdk ? { sdk } : {}) };
  }

  /** A refused message is traced under the id its client gave (PRODUCE_FAILED), if it gave a usable one. */
  function traceFailure(ctx: CallContext, m: WireMessage, failure: Status, producer: ProducerInfo): void {
    const messageId = m.system_properties?.message_id;
    if (!messageId || Buffer.byteLength(messageId) > MAX_MESSAGE_ID_BYTES) return;
    let topic: string | undefined;
    try {
      topic = topicName(ctx, m.topic);
    } catch {
      topic = m.topic?.name || undefined;
    }
    const host = m.system_properties?.born_host || ctx.host;
    broker.traceFailedSend({ messageId, status: String(failure.code), detail: failure.message, producer, host, ...(topic ? { topic } : {}) });
  }

  /** The engine put of one wire message, creating its topic first under auto-create. */
  function prepare(ctx: CallContext, m: WireMessage, producer: ProducerInfo): PutMessage {
    const name = topicName(ctx, m.topic);
    authorize(broker.access, ctx, [topicCheck(name, 'PUB')]);
    admitSend(broker.access, name, 1);
    const put = toPutMessage(m, name, broker.limits, ctx.host);
    put.producer = producer;
    if (opts.autoCreate && !broker.hasTopic(name)) {
      const { namespace, name: bare } = unwrapName(name);
      ensureNamespace(opts, namespace);
      broker.createTopic({ name: bare, ...(namespace ? { namespace } : {}), messageType: put.messageType ?? 'NORMAL', queueNums: DEFAULT_QUEUES });
    }
    return put;
  }

  return {
    SendMessage: unary<{ messages: WireMessage[] }>('SendMessage', 'topic', async (req, ctx) => {
      const producer = producerOf(ctx, Date.now());
      if (req.messages.length === 0) throw new ProtocolError('BAD_REQUEST', 'SendMessage carries no message');
      opts.clients.countTraffic(ctx.clientId, req.messages.length, 0);
      const entries: SendEntry[] = req.messages.map((m) => ({ status: OK, message_id: m.system_properties?.message_id ?? '', transaction_id: '', offset: 0, recall_handle: '' }));
      const puts: { index: number; put: PutMessage }[] = [];
      for (const [index, m] of req.messages.entries()) {
        try {
          puts.push({ index, put: prepare(ctx, m, producer) });
        } catch (e) {
          entries[index]!.status = toStatus(e, { rpc: 'SendMessage', kind: 'topic' });
          traceFailure(ctx, m, entries[index]!.status, producer);
        }
      }
      // Valid messages are stored together; a failure there fails each of them with the engine's reason.
      await Promise.all(
        puts.map(async ({ index, put }) => {
          const entry = entries[index]!;
          try {
            const r = await broker.put(put);
            entry.offset = r.queueOffset;
            entry.recall_handle = r.recallHandle ?? '';
            entry.transaction_id = r.transactionId ?? '';
          } catch (e) {
            entry.status = toStatus(e, { rpc: 'SendMessage', kind: 'topic' });
            traceFailure(ctx, req.messages[index]!, entry.status, producer);
          }
        }),
      );
      return { status: combined(entries.map((e) => e.status)), entries };
    }),

    RecallMessage: unary<{ topic: Resource | null; recall_handle: string }>('RecallMessage', 'topic', (req, ctx) => {
      if (!req.recall_handle) throw new ProtocolError('BAD_REQUEST', 'recall_handle is empty');
      const topic = req.topic?.name ? topicName(ctx, req.topic) : undefined;
      if (broker.access.settings.authorization) authorize(broker.access, ctx, [topicCheck(topic ?? topicName(ctx, req.topic), 'PUB')]);
      return { status: OK, message_id: broker.recall(req.recall_handle, topic) };
    }),
  };
}
