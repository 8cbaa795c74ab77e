import { admitReceive, authorize, groupCheck, topicCheck } from '../access.ts';
import type { Call } from '../h2/server.ts';
import type { Group } from '../../../server/broker/index.ts';
import { resolveName, type CallContext } from '../context.ts';
import { toWireMessage } from '../messages.ts';
import { combined, OK, ProtocolError, status, toStatus } from '../status.ts';
import { timestamp, toMs, type Endpoints, type FilterExpression, type MessageQueue, type Resource, type Status } from '../wire.ts';
import {
  batchSize,
  echoResource,
  endpointsOf,
  filterOf,
  groupOf,
  MAX_INVISIBLE_MS,
  pollMs,
  queueOf,
  serverStream,
  subscriptionOf,
  topicName,
  unary,
  type Handlers,
  type ServiceOptions,
} from './shared.ts';

interface ReceiveRequest {
  group: Resource | null;
  message_queue: MessageQueue | null;
  filter_expression: FilterExpression | null;
  batch_size: number;
  invisible_duration?: { seconds: number; nanos: number } | null;
  auto_renew: boolean;
  long_polling_timeout?: { seconds: number; nanos: number } | null;
}

type ReceiveCall = Call<ReceiveRequest>;

/** A receive's answer on the stream: its status, the messages, then the delivery time. */
function receiveFrames(st: Status, messages: object[]): object[] {
  return [{ status: st }, ...messages.map((message) => ({ message })), { delivery_timestamp: timestamp(Date.now()) }];
}

/** The message model: QueryAssignment, ReceiveMessage, AckMessage, ChangeInvisibleDuration, DLQ forwarding. */
export function popHandlers(opts: ServiceOptions): Handlers {
  const { broker, renewals } = opts;

  function invisibleMsOf(req: ReceiveRequest): number {
    const ms = req.auto_renew ? opts.pushInvisibleMs : toMs(req.invisible_duration);
    if (ms === undefined || ms < opts.minInvisibleMs || ms > MAX_INVISIBLE_MS) {
      throw new ProtocolError('ILLEGAL_INVISIBLE_TIME', `Invisible duration must be from ${opts.minInvisibleMs} ms to 12 h, got ${ms ?? 'none'}`);
    }
    return ms;
  }

  /** host:port the deliveries name as their store host. */
  function storeHost(): string {
    const advertised = opts.advertisedEndpoints().addresses[0];
    return advertised ? `${advertised.host}:${advertised.port}` : '';
  }

  /** Consuming needs SUB on the group and on the topic; answers the topic's stored name. */
  function authorizeConsume(ctx: CallContext, group: Resource | null | undefined, topic: Resource | null | undefined): string {
    const name = topicName(ctx, topic);
    authorize(broker.access, ctx, [groupCheck(resolveName(ctx, group, 'group'), 'SUB'), topicCheck(name, 'SUB')]);
    return name;
  }

  async function receive(call: ReceiveCall, ctx: CallContext, signal: AbortSignal): Promise<object[]> {
    const req = call.request;
    const topic = authorizeConsume(ctx, req.group, req.message_queue?.topic);
    const g: Group = groupOf(opts, ctx, req.group);
    broker.readableTopic(topic);
    admitReceive(broker.access, g.name);
    const subscription = subscriptionOf(req.filter_expression);
    const filter = filterOf(req.filter_expression);
    const invisibleMs = invisibleMsOf(req);
    const received = await broker.receive({
      group: g.name,
      topic,
      maxMessages: batchSize(req.batch_size),
      invisibleMs,
      waitMs: pollMs(opts, call, toMs(req.long_polling_timeout)),
      ...(ctx.clientId ? { clientId: ctx.clientId } : {}),
      ...(filter ? { filter } : {}),
      ...(subscription ? { subscription } : {}),
      signal,
    });
    if (received.length === 0) return receiveFrames(status('MESSAGE_NOT_FOUND', 'No new message'), []);
    opts.clients.countTraffic(ctx.clientId, 0, received.length);
    broker.access.limiter.received(g.name, received.length);
    if (req.auto_renew) {
      for (const r of received) renewals.track(r.receiptHandle, { group: g.name, topic, clientId: ctx.clientId, visibleAt: r.invisibleUntil });
    }
    const host = storeHost();
    return receiveFrames(OK, received.map((r) => toWireMessage(r.message, host, r, invisibleMs)));
  }

  return {
    QueryAssignment: unary<{ topic: Resource | null; group: Resource | null; endpoints: Endpoints | null }>('QueryAssignment', 'topic', (req, ctx) => {
      const topic = broker.readableTopic(authorizeConsume(ctx, req.group, req.topic));
      const g = groupOf(opts, ctx, req.group);
      const queue = queueOf(opts, echoResource(req.topic), [topic.messageType], endpointsOf(opts, req.endpoints));
      // One assignment standing for every queue (receive pops from all); FIFO groups get one per queue, as the proxy does.
      const ids = g.fifo ? Array.from({ length: topic.readQueueNums }, (_, i) => i) : [-1];
      return { status: OK, assignments: ids.map((id) => ({ message_queue: { ...queue, id } })) };
    }),

    ReceiveMessage: serverStream<ReceiveRequest>(opts, 'ReceiveMessage', receive, (e) => receiveFrames(toStatus(e, { rpc: 'ReceiveMessage', kind: 'group' }), [])),

    AckMessage: unary<{ group: Resource | null; topic: Resource | null; entries: { message_id: string; receipt_handle: string }[] }>(
      'AckMessage',
      'group',
      (req, ctx) => {
        const g = resolveName(ctx, req.group, 'group');
        const topic = authorizeConsume(ctx, req.group, req.topic);
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
      const group = resolveName(ctx, req.group, 'group');
      authorize(broker.access, ctx, [groupCheck(group, 'SUB')]);
      renewals.forget(req.receipt_handle);
      const r = broker.changeInvisibleDuration(group, topicName(ctx, req.topic), req.receipt_handle, ms);
      return { status: OK, receipt_handle: r.receiptHandle };
    }),

    ForwardMessageToDeadLetterQueue: unary<{
      group: Resource | null;
      topic: Resource | null;
      receipt_handle: string;
      delivery_attempt: number;
      max_delivery_attempts: number;
    }>('ForwardMessageToDeadLetterQueue', 'group', async (req, ctx) => {
      const topic = authorizeConsume(ctx, req.group, req.topic);
      renewals.forget(req.receipt_handle);
      await broker.forwardToDeadLetter(
        resolveName(ctx, req.group, 'group'),
        topic,
        req.receipt_handle,
        `client gave up after ${req.delivery_attempt} of ${req.max_delivery_attempts} attempts`,
      );
      return { status: OK };
    }),
  };
}
