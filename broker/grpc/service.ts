import type * as grpc from '@grpc/grpc-js';
import type { Broker } from '../../server/broker/broker.ts';
import { isBrokerError } from '../../server/broker/errors.ts';
import { subscriptionFilter } from '../../server/broker/filter/subscription.ts';
import { parseTagExpression } from '../../server/broker/filter/tag.ts';
import { logger } from '../../server/broker/logger.ts';
import type { Group, MessageType } from '../../server/broker/model.ts';
import { unwrapName } from '../../server/broker/names.ts';
import type { ReadFilter } from '../../server/broker/store/message-store.ts';
import type { ClientRegistry, ClientSubscription } from './clients.ts';
import type { Renewals } from './renewals.ts';
import { callContext, resolveName, type CallContext } from './context.ts';
import { toPutMessage, toWireMessage } from './messages.ts';
import { consumerSettings, producerSettings } from './settings.ts';
import { combined, OK, ProtocolError, status, toStatus } from './status.ts';
import { timestamp, toMs, type Endpoints, type FilterExpression, type MessageQueue, type Resource, type Settings, type Status, type TelemetryCommand, type WireMessage } from './wire.ts';

export interface ServiceOptions {
  broker: Broker;
  clients: ClientRegistry;
  renewals: Renewals;
  /** Create unknown topics on first send and groups on first sight, as RocketMQ's auto-create does. */
  autoCreate: boolean;
  brokerName: string;
  /** host:port clients should use when a request does not say which address it dialed. */
  advertisedEndpoints: () => Endpoints;
  longPollingMs: number;
  minInvisibleMs: number;
  /** Invisible time for push consumers (auto_renew requests carry none). */
  pushInvisibleMs: number;
  /** Aborted at shutdown: long polls answer at once. */
  shutdown: AbortSignal;
}

const MAX_BATCH = 32;
const MAX_INVISIBLE_MS = 12 * 3600 * 1000;
/** Leave this much of the client's deadline to deliver the answer of a long poll. */
const DEADLINE_MARGIN_MS = 500;
const ALL_TYPES: MessageType[] = ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION'];

type Unary<Req> = grpc.ServerUnaryCall<Req, object>;
type Callback = grpc.sendUnaryData<object>;

interface QueueRef {
  message_queue: MessageQueue | null;
}

/** The apache.rocketmq.v2.MessagingService handlers over one engine. */
export function createHandlers(opts: ServiceOptions): grpc.UntypedServiceImplementation {
  const { broker, clients, renewals } = opts;

  /** Runs a unary handler; any failure becomes `{status}` with the protocol's code, never a crash. */
  function unary<Req>(rpc: string, kind: 'topic' | 'group' | undefined, fn: (req: Req, ctx: CallContext) => object | Promise<object>) {
    return (call: Unary<Req>, cb: Callback): void => {
      const ctx = callContext(call);
      Promise.resolve()
        .then(() => fn(call.request, ctx))
        .then(
          (res) => cb(null, res),
          (e: unknown) => cb(null, { status: toStatus(e, { rpc, kind }) }),
        );
    };
  }

  function topicName(ctx: CallContext, res: Resource | null | undefined): string {
    return resolveName(ctx, res, 'topic');
  }

  /** The group, created on first sight when auto-create is on. */
  function group(ctx: CallContext, res: Resource | null | undefined): Group {
    const name = resolveName(ctx, res, 'group');
    try {
      return broker.getGroup(name);
    } catch (e) {
      if (!opts.autoCreate || !isBrokerError(e, 'GROUP_NOT_FOUND')) throw e;
      const { namespace, name: bare } = unwrapName(name);
      ensureNamespace(namespace);
      return broker.createGroup(namespace ? { namespace, name: bare } : { name: bare });
    }
  }

  function ensureNamespace(namespace: string): void {
    if (namespace && !broker.catalog.namespaces.has(namespace)) broker.createNamespace(namespace);
  }

  function queueOf(res: Resource, types: readonly string[], endpoints: Endpoints): object {
    return {
      topic: res,
      id: 0,
      permission: 'READ_WRITE',
      broker: { name: opts.brokerName, id: 0, endpoints },
      accept_message_types: types,
    };
  }

  function endpointsOf(requested: Endpoints | null | undefined): Endpoints {
    return requested && requested.addresses.length > 0 ? requested : opts.advertisedEndpoints();
  }

  function filterOf(expr: FilterExpression | null | undefined): ReadFilter | undefined {
    if (!expr) return undefined;
    return subscriptionFilter(expr.type === 'SQL' ? 'SQL' : 'TAG', expr.expression);
  }

  function subscriptionsOf(ctx: CallContext, s: Settings): ClientSubscription[] {
    return (s.subscription?.subscriptions ?? []).map((e) => ({
      topic: topicName(ctx, e.topic),
      filterType: e.expression?.type === 'SQL' ? 'SQL' : 'TAG',
      expression: e.expression?.expression || '*',
    }));
  }

  function onSettings(ctx: CallContext, s: Settings, stream: grpc.ServerDuplexStream<TelemetryCommand, TelemetryCommand>): TelemetryCommand {
    if (!ctx.clientId) throw new ProtocolError('CLIENT_ID_REQUIRED', 'The x-mq-client-id header is required');
    const limits = { maxBodySize: broker.options.maxMessageSize, longPollingMs: opts.longPollingMs, receiveBatchSize: MAX_BATCH };
    if (s.pub_sub === 'publishing' && s.publishing) {
      const topics = s.publishing.topics.map((t) => topicName(ctx, t));
      clients.upsertSettings(ctx.clientId, s, base(ctx, s, topics, []), stream);
      return { status: OK, settings: producerSettings(s, limits) } as TelemetryCommand;
    }
    if (s.pub_sub === 'subscription' && s.subscription) {
      const subs = subscriptionsOf(ctx, s);
      // A bad expression is refused when the consumer subscribes, not at its first receive.
      for (const sub of subs) subscriptionFilter(sub.filterType, sub.expression);
      let g: Group | undefined;
      try {
        g = group(ctx, s.subscription.group);
      } catch (e) {
        // An unknown group is reported when the consumer receives, with the protocol's not-found status.
        if (!isBrokerError(e, 'GROUP_NOT_FOUND')) throw e;
      }
      const info = base(ctx, s, subs.map((x) => x.topic), subs);
      info.group = g?.name ?? resolveName(ctx, s.subscription.group, 'group');
      clients.upsertSettings(ctx.clientId, s, info, stream);
      return { status: OK, settings: consumerSettings(s, g, limits) } as TelemetryCommand;
    }
    throw new ProtocolError('BAD_REQUEST', 'Settings must carry publishing or subscription');
  }

  function base(ctx: CallContext, s: Settings, topics: string[], subscriptions: ClientSubscription[]) {
    return {
      namespace: ctx.namespace,
      topics,
      subscriptions,
      language: ctx.language || s.user_agent?.language || 'UNKNOWN',
      version: ctx.version || s.user_agent?.version || '',
      host: s.user_agent?.hostname || ctx.host,
    } as Parameters<ClientRegistry['upsertSettings']>[2];
  }

  /** Time a long poll may take: the requested or default, within the broker's cap and the client's deadline. */
  function pollMs(call: { getDeadline(): grpc.Deadline }, requested: number | undefined): number {
    const deadline = call.getDeadline();
    const left = deadline instanceof Date ? deadline.getTime() - Date.now() : typeof deadline === 'number' && Number.isFinite(deadline) ? deadline - Date.now() : Infinity;
    return Math.max(0, Math.min(requested ?? opts.longPollingMs, opts.longPollingMs, left - DEADLINE_MARGIN_MS));
  }

  return {
    QueryRoute: unary<{ topic: Resource | null; endpoints: Endpoints | null }>('QueryRoute', 'topic', (req, ctx) => {
      const name = topicName(ctx, req.topic);
      const endpoints = endpointsOf(req.endpoints);
      const res = { resource_namespace: req.topic?.resource_namespace ?? '', name: req.topic!.name };
      if (!broker.catalog.topics.has(name)) {
        if (!opts.autoCreate) throw new ProtocolError('TOPIC_NOT_FOUND', `Topic "${name}" does not exist`);
        // Created on first send, with the type of that message.
        return { status: OK, message_queues: [queueOf(res, ALL_TYPES, endpoints)] };
      }
      const topic = broker.getTopic(name);
      return { status: OK, message_queues: [queueOf(res, [topic.messageType], endpoints)] };
    }),

    Heartbeat: unary<{ group?: Resource | null; client_type: string }>('Heartbeat', 'group', (req, ctx) => {
      if (!ctx.clientId) throw new ProtocolError('CLIENT_ID_REQUIRED', 'The x-mq-client-id header is required');
      if (!clients.heartbeat(ctx.clientId)) {
        throw new ProtocolError('UNRECOGNIZED_CLIENT_TYPE', 'No settings from this client yet: open the telemetry stream first');
      }
      if (req.group?.name && opts.autoCreate) group(ctx, req.group);
      return { status: OK };
    }),

    NotifyClientTermination: unary<{ group?: Resource | null }>('NotifyClientTermination', undefined, (_req, ctx) => {
      clients.remove(ctx.clientId);
      return { status: OK };
    }),

    SendMessage: unary<{ messages: WireMessage[] }>('SendMessage', 'topic', async (req, ctx) => {
      if (req.messages.length === 0) throw new ProtocolError('BAD_REQUEST', 'SendMessage carries no message');
      const entries: { status: Status; message_id: string; transaction_id: string; offset: number; recall_handle: string }[] = [];
      const puts: { index: number; put: ReturnType<typeof toPutMessage> }[] = [];
      for (const [index, m] of req.messages.entries()) {
        const messageId = m.system_properties?.message_id ?? '';
        entries.push({ status: OK, message_id: messageId, transaction_id: '', offset: 0, recall_handle: '' });
        try {
          const name = topicName(ctx, m.topic);
          const put = toPutMessage(m, name, broker.options.maxMessageSize, ctx.host);
          if (opts.autoCreate && !broker.catalog.topics.has(name)) {
            const { namespace, name: bare } = unwrapName(name);
            ensureNamespace(namespace);
            broker.createTopic({ name: bare, ...(namespace ? { namespace } : {}), messageType: put.messageType ?? 'NORMAL', queueNums: 8 });
          }
          puts.push({ index, put });
        } catch (e) {
          entries[index]!.status = toStatus(e, { rpc: 'SendMessage', kind: 'topic' });
        }
      }
      // Valid messages are stored together; a failure there fails each of them with the engine's reason.
      await Promise.all(
        puts.map(async ({ index, put }) => {
          try {
            const r = await broker.put(put);
            entries[index]!.offset = r.queueOffset;
            entries[index]!.recall_handle = r.recallHandle ?? '';
            entries[index]!.transaction_id = r.transactionId ?? '';
          } catch (e) {
            entries[index]!.status = toStatus(e, { rpc: 'SendMessage', kind: 'topic' });
          }
        }),
      );
      return { status: combined(entries.map((e) => e.status)), entries };
    }),

    QueryAssignment: unary<{ topic: Resource | null; group: Resource | null; endpoints: Endpoints | null }>('QueryAssignment', 'topic', (req, ctx) => {
      const topic = broker.readableTopic(topicName(ctx, req.topic));
      const g = group(ctx, req.group);
      const endpoints = endpointsOf(req.endpoints);
      const res = { resource_namespace: req.topic?.resource_namespace ?? '', name: req.topic!.name };
      // One assignment standing for every queue (receive pops from all); FIFO groups get one per queue, as the proxy does.
      const ids = g.fifo ? Array.from({ length: topic.readQueueNums }, (_, i) => i) : [-1];
      return { status: OK, assignments: ids.map((id) => ({ message_queue: { ...queueOf(res, [topic.messageType], endpoints), id } })) };
    }),

    ReceiveMessage: (
      call: grpc.ServerWritableStream<
        {
          group: Resource | null;
          message_queue: MessageQueue | null;
          filter_expression: FilterExpression | null;
          batch_size: number;
          invisible_duration?: { seconds: number; nanos: number } | null;
          auto_renew: boolean;
          long_polling_timeout?: { seconds: number; nanos: number } | null;
        },
        object
      >,
    ): void => {
      const ctx = callContext(call);
      const req = call.request;
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      const signal = AbortSignal.any([abort.signal, opts.shutdown]);
      const finish = (st: Status, messages: object[] = []): void => {
        if (call.cancelled) return;
        call.write({ status: st });
        for (const m of messages) call.write({ message: m });
        call.write({ delivery_timestamp: timestamp(Date.now()) });
        call.end();
      };
      void (async () => {
        try {
          const g = group(ctx, req.group);
          const topic = topicName(ctx, req.message_queue?.topic);
          broker.readableTopic(topic);
          const filter = filterOf(req.filter_expression);
          const invisibleMs = req.auto_renew ? opts.pushInvisibleMs : toMs(req.invisible_duration);
          if (invisibleMs === undefined || invisibleMs < opts.minInvisibleMs || invisibleMs > MAX_INVISIBLE_MS) {
            throw new ProtocolError(
              'ILLEGAL_INVISIBLE_TIME',
              `Invisible duration must be from ${opts.minInvisibleMs} ms to 12 h, got ${invisibleMs ?? 'none'}`,
            );
          }
          const batch = Math.min(Math.max(req.batch_size || 1, 1), MAX_BATCH);
          const received = await broker.receive({
            group: g.name,
            topic,
            maxMessages: batch,
            invisibleMs,
            waitMs: pollMs(call, toMs(req.long_polling_timeout)),
            ...(ctx.clientId ? { clientId: ctx.clientId } : {}),
            ...(filter ? { filter } : {}),
            signal,
          });
          const advertised = opts.advertisedEndpoints().addresses[0];
          const storeHost = advertised ? `${advertised.host}:${advertised.port}` : '';
          if (received.length === 0) return finish(status('MESSAGE_NOT_FOUND', 'No new message'));
          if (req.auto_renew) {
            for (const r of received) {
              renewals.track(r.receiptHandle, { group: g.name, topic, clientId: ctx.clientId, visibleAt: r.invisibleUntil });
            }
          }
          finish(
            OK,
            received.map((r) => toWireMessage(r.message, storeHost, r, invisibleMs)),
          );
        } catch (e) {
          finish(toStatus(e, { rpc: 'ReceiveMessage', kind: 'group' }));
        }
      })();
    },

    AckMessage: unary<{ group: Resource | null; topic: Resource | null; entries: { message_id: string; receipt_handle: string }[] }>(
      'AckMessage',
      'group',
      (req, ctx) => {
        const g = resolveName(ctx, req.group, 'group');
        const topic = topicName(ctx, req.topic);
        if (req.entries.length === 0) throw new ProtocolError('BAD_REQUEST', 'AckMessage carries no entry');
        const entries = req.entries.map((e) => {
          let st = OK;
          try {
            renewals.forget(e.receipt_handle);
            broker.ack(g, topic, e.receipt_handle);
          } catch (err) {
            st = toStatus(err, { rpc: 'AckMessage', kind: 'group' });
          }
          return { message_id: e.message_id, receipt_handle: e.receipt_handle, status: st };
        });
        return { status: combined(entries.map((e) => e.status)), entries };
      },
    ),

    ChangeInvisibleDuration: unary<{
      group: Resource | null;
      topic: Resource | null;
      receipt_handle: string;
      invisible_duration: { seconds: number; nanos: number } | null;
    }>('ChangeInvisibleDuration', 'group', (req, ctx) => {
      const ms = toMs(req.invisible_duration);
      if (ms === undefined || ms < 0 || ms > MAX_INVISIBLE_MS) {
        throw new ProtocolError('ILLEGAL_INVISIBLE_TIME', `Invisible duration must be from 0 to 12 h, got ${ms ?? 'none'}`);
      }
      renewals.forget(req.receipt_handle);
      const r = broker.changeInvisibleDuration(resolveName(ctx, req.group, 'group'), topicName(ctx, req.topic), req.receipt_handle, ms);
      return { status: OK, receipt_handle: r.receiptHandle };
    }),

    ForwardMessageToDeadLetterQueue: unary<{
      group: Resource | null;
      topic: Resource | null;
      receipt_handle: string;
      delivery_attempt: number;
      max_delivery_attempts: number;
    }>('ForwardMessageToDeadLetterQueue', 'group', async (req, ctx) => {
      renewals.forget(req.receipt_handle);
      await broker.forwardToDeadLetter(
        resolveName(ctx, req.group, 'group'),
        topicName(ctx, req.topic),
        req.receipt_handle,
        `client gave up after ${req.delivery_attempt} of ${req.max_delivery_attempts} attempts`,
      );
      return { status: OK };
    }),

    EndTransaction: unary<{ transaction_id: string; message_id: string; resolution: string }>('EndTransaction', 'topic', async (req) => {
      if (!req.transaction_id?.trim()) throw new ProtocolError('INVALID_TRANSACTION_ID', 'transaction_id is blank');
      if (req.resolution !== 'COMMIT' && req.resolution !== 'ROLLBACK') {
        throw new ProtocolError('BAD_REQUEST', `resolution must be COMMIT or ROLLBACK, got ${req.resolution || 'none'}`);
      }
      await broker.endTransaction(req.transaction_id, req.message_id, req.resolution);
      return { status: OK };
    }),

    QueryOffset: unary<{ message_queue: MessageQueue | null; query_offset_policy: string; timestamp?: { seconds: number; nanos: number } | null }>(
      'QueryOffset',
      'topic',
      (req, ctx) => {
        const { topic, queueId } = realQueue(ctx, req);
        const offset =
          req.query_offset_policy === 'END'
            ? broker.maxOffset(topic, queueId)
            : req.query_offset_policy === 'TIMESTAMP'
              ? broker.store.searchOffsetByTime(topic, queueId, toMs(req.timestamp) ?? 0)
              : broker.minOffset(topic, queueId);
        return { status: OK, offset };
      },
    ),

    GetOffset: unary<{ group: Resource | null } & QueueRef>('GetOffset', 'group', (req, ctx) => {
      const { topic, queueId } = realQueue(ctx, req);
      return { status: OK, offset: broker.consumerOffset(group(ctx, req.group).name, topic, queueId) };
    }),

    UpdateOffset: unary<{ group: Resource | null; offset: number } & QueueRef>('UpdateOffset', 'group', (req, ctx) => {
      const { topic, queueId } = realQueue(ctx, req);
      broker.commitOffset(group(ctx, req.group).name, topic, queueId, req.offset);
      return { status: OK };
    }),

    PullMessage: (
      call: grpc.ServerWritableStream<
        { group: Resource | null; offset: number; batch_size: number; filter_expression: FilterExpression | null; long_polling_timeout: { seconds: number; nanos: number } | null } & QueueRef,
        object
      >,
    ): void => {
      const ctx = callContext(call);
      const req = call.request;
      void (async () => {
        try {
          group(ctx, req.group);
          const { topic, queueId } = realQueue(ctx, req);
          filterOf(req.filter_expression);
          const tags = req.filter_expression ? parseTagExpression(req.filter_expression.expression) : undefined;
          const deadline = Date.now() + pollMs(call, toMs(req.long_polling_timeout));
          let res = broker.getMessages(topic, queueId, req.offset, Math.min(Math.max(req.batch_size || 1, 1), MAX_BATCH), tags);
          while (res.status === 'NO_NEW_MESSAGE' && Date.now() < deadline && !call.cancelled && !opts.shutdown.aborted) {
            await new Promise((r) => setTimeout(r, 100));
            res = broker.getMessages(topic, queueId, req.offset, Math.min(Math.max(req.batch_size || 1, 1), MAX_BATCH), tags);
          }
          if (call.cancelled) return;
          if (res.status === 'OFFSET_TOO_SMALL' || res.status === 'OFFSET_OVERFLOW') {
            call.write({ status: status('ILLEGAL_OFFSET', `Offset ${req.offset} is outside ${res.minOffset}-${res.maxOffset}`) });
          } else {
            call.write({ status: res.messages.length > 0 ? OK : status('MESSAGE_NOT_FOUND', 'No new message') });
            for (const m of res.messages) call.write({ message: toWireMessage(m, '') });
          }
          call.write({ next_offset: res.nextOffset });
          call.end();
        } catch (e) {
          if (call.cancelled) return;
          call.write({ status: toStatus(e, { rpc: 'PullMessage', kind: 'topic' }) });
          call.end();
        }
      })();
    },

    RecallMessage: unary<{ topic: Resource | null; recall_handle: string }>('RecallMessage', 'topic', (req) => {
      if (!req.recall_handle) throw new ProtocolError('BAD_REQUEST', 'recall_handle is empty');
      return { status: OK, message_id: broker.recall(req.recall_handle) };
    }),

    SyncLiteSubscription: unary('SyncLiteSubscription', undefined, () => {
      throw new ProtocolError('NOT_IMPLEMENTED', 'Lite topics are not supported');
    }),

    Telemetry: (stream: grpc.ServerDuplexStream<TelemetryCommand, TelemetryCommand>): void => {
      const ctx = callContext(stream);
      stream.on('data', (cmd: TelemetryCommand) => {
        try {
          if (cmd.command === 'settings' && cmd.settings) stream.write(onSettings(ctx, cmd.settings, stream));
          // thread stack traces and verify results need no answer.
        } catch (e) {
          stream.write({ status: toStatus(e, { rpc: 'Telemetry' }) });
        }
      });
      const done = (): void => {
        clients.detachStream(stream);
        if (!stream.writableEnded) stream.end();
      };
      stream.on('end', done);
      stream.on('error', (e: Error) => {
        logger.debug({ rpc: 'Telemetry', clientId: ctx.clientId, err: e.message }, 'telemetry stream error');
        done();
      });
      stream.on('cancelled', done);
    },
  };

  /** A real queue of a topic (queue model RPCs address queues by id). */
  function realQueue(ctx: CallContext, req: QueueRef): { topic: string; queueId: number } {
    const topic = broker.readableTopic(topicName(ctx, req.message_queue?.topic)).name;
    const queueId = req.message_queue?.id ?? -1;
    const t = broker.getTopic(topic);
    if (queueId < 0 || queueId >= t.readQueueNums) {
      throw new ProtocolError('BAD_REQUEST', `Topic "${topic}" has queues 0-${t.readQueueNums - 1}, not ${queueId}`);
    }
    return { topic, queueId };
  }
}
