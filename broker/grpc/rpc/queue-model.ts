import { admitReceive, authorize, groupCheck, topicCheck } from '../access.ts';
import type { Call } from '../h2/server.ts';
import { resolveName, type CallContext } from '../context.ts';
import { toWireMessage } from '../messages.ts';
import { OK, ProtocolError, status, toStatus } from '../status.ts';
import { toMs, type FilterExpression, type MessageQueue, type Resource } from '../wire.ts';
import { batchSize, filterOf, groupOf, pollMs, serverStream, topicName, unary, type Handlers, type ServiceOptions } from './shared.ts';

interface QueueRef {
  message_queue: MessageQueue | null;
}

interface PullRequest extends QueueRef {
  group: Resource | null;
  offset: number;
  batch_size: number;
  filter_expression: FilterExpression | null;
  long_polling_timeout: { seconds: number; nanos: number } | null;
}

type PullCall = Call<PullRequest>;

/** The queue model: QueryOffset, GetOffset, UpdateOffset, PullMessage (by queue and offset). */
export function queueModelHandlers(opts: ServiceOptions): Handlers {
  const { broker } = opts;

  /**
   * A real queue of a topic (queue-model RPCs address queues by id), once the caller may SUB the topic and,
   * when the call names one, its group.
   */
  function realQueue(ctx: CallContext, req: QueueRef & { group?: Resource | null }): { topic: string; queueId: number } {
    const name = topicName(ctx, req.message_queue?.topic);
    authorize(broker.access, ctx, [...(req.group ? [groupCheck(resolveName(ctx, req.group, 'group'), 'SUB')] : []), topicCheck(name, 'SUB')]);
    const t = broker.readableTopic(name);
    const queueId = req.message_queue?.id ?? -1;
    if (queueId < 0 || queueId >= t.readQueueNums) {
      throw new ProtocolError('BAD_REQUEST', `Topic "${t.name}" has queues 0-${t.readQueueNums - 1}, not ${queueId}`);
    }
    return { topic: t.name, queueId };
  }

  async function pull(call: PullCall, ctx: CallContext, signal: AbortSignal): Promise<object[]> {
    const req = call.request;
    const { topic, queueId } = realQueue(ctx, req);
    const group = groupOf(opts, ctx, req.group);
    admitReceive(broker.access, group.name);
    const filter = filterOf(req.filter_expression);
    const res = await broker.pull({
      group: group.name,
      topic,
      queueId,
      offset: req.offset,
      maxMessages: batchSize(req.batch_size),
      ...(filter ? { filter } : {}),
      waitMs: pollMs(opts, call, toMs(req.long_polling_timeout)),
      signal,
    });
    if (res.status === 'OFFSET_TOO_SMALL' || res.status === 'OFFSET_OVERFLOW') {
      return [{ status: status('ILLEGAL_OFFSET', `Offset ${req.offset} is outside ${res.minOffset}-${res.maxOffset}`) }, { next_offset: res.nextOffset }];
    }
    opts.clients.countTraffic(ctx.clientId, 0, res.messages.length);
    broker.access.limiter.received(group.name, res.messages.length);
    const head = { status: res.messages.length > 0 ? OK : status('MESSAGE_NOT_FOUND', 'No new message') };
    return [head, ...res.messages.map((m) => ({ message: toWireMessage(m, '') })), { next_offset: res.nextOffset }];
  }

  return {
    QueryOffset: unary<{ message_queue: MessageQueue | null; query_offset_policy: string; timestamp?: { seconds: number; nanos: number } | null }>(
      'QueryOffset',
      'topic',
      (req, ctx) => {
        const { topic, queueId } = realQueue(ctx, req);
        const policy = req.query_offset_policy;
        const offset =
          policy === 'END'
            ? broker.maxOffset(topic, queueId)
            : policy === 'TIMESTAMP'
              ? broker.offsetAtTime(topic, queueId, toMs(req.timestamp) ?? 0)
              : broker.minOffset(topic, queueId);
        return { status: OK, offset };
      },
    ),

    GetOffset: unary<{ group: Resource | null } & QueueRef>('GetOffset', 'group', (req, ctx) => {
      const { topic, queueId } = realQueue(ctx, req);
      return { status: OK, offset: broker.consumerOffset(groupOf(opts, ctx, req.group).name, topic, queueId) };
    }),

    UpdateOffset: unary<{ group: Resource | null; offset: number } & QueueRef>('UpdateOffset', 'group', (req, ctx) => {
      const { topic, queueId } = realQueue(ctx, req);
      broker.commitOffset(groupOf(opts, ctx, req.group).name, topic, queueId, req.offset);
      return { status: OK };
    }),

    PullMessage: serverStream<PullRequest>(opts, 'PullMessage', pull, (e) => [{ status: toStatus(e, { rpc: 'PullMessage', kind: 'topic' }) }]),
  };
}
