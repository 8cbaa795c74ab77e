import { isBrokerError, logger, MESSAGE_TYPES, subscriptionFilter, type Group } from '../../../server/broker/index.ts';
import type { ClientRegistry, ClientSubscription } from '../clients.ts';
import { authorize, groupCheck, topicCheck } from '../access.ts';
import type { Call } from '../h2/server.ts';
import { callContext, resolveName, type CallContext } from '../context.ts';
import { consumerSettings, producerSettings } from '../settings.ts';
import { OK, ProtocolError, toStatus } from '../status.ts';
import type { Endpoints, Resource, Settings, TelemetryCommand } from '../wire.ts';
import { echoResource, endpointsOf, groupOf, MAX_BATCH, queueOf, topicName, unary, type Handlers, type ServiceOptions } from './shared.ts';

type TelemetryStream = Call<TelemetryCommand>;

const CONSUMER_TYPES = new Set(['PUSH_CONSUMER', 'SIMPLE_CONSUMER', 'PULL_CONSUMER', 'LITE_PUSH_CONSUMER']);

/** Routing, client sessions and settings: QueryRoute, Heartbeat, Telemetry, NotifyClientTermination. */
export function routeHandlers(opts: ServiceOptions): Handlers {
  const { broker, clients } = opts;
  return {
    QueryRoute: unary<{ topic: Resource | null; endpoints: Endpoints | null }>('QueryRoute', 'topic', (req, ctx) => {
      // After this answer is on its way (see ClientRegistry.echoSettings).
      if (ctx.clientId) setImmediate(() => clients.echoSettings(ctx.clientId));
      const name = topicName(ctx, req.topic);
      authorize(broker.access, ctx, [topicCheck(name, 'PUB', 'SUB')]);
      const endpoints = endpointsOf(opts, req.endpoints);
      const res = echoResource(req.topic);
      if (!broker.hasTopic(name)) {
        if (!opts.autoCreate) throw new ProtocolError('TOPIC_NOT_FOUND', `Topic "${name}" does not exist`);
        // Created on first send, with the type of that message.
        return { status: OK, message_queues: [queueOf(opts, res, MESSAGE_TYPES, endpoints)] };
      }
      return { status: OK, message_queues: [queueOf(opts, res, [broker.getTopic(name).messageType], endpoints)] };
    }),

    Heartbeat: unary<{ group?: Resource | null; client_type: string }>('Heartbeat', 'group', (req, ctx) => {
      if (!ctx.clientId) throw new ProtocolError('CLIENT_ID_REQUIRED', 'The x-mq-client-id header is required');
      if (!clients.heartbeat(ctx.clientId)) {
        throw new ProtocolError('UNRECOGNIZED_CLIENT_TYPE', 'No settings from this client yet: open the telemetry stream first');
      }
      // Consumers' heartbeats need SUB on their group; producers' are not checked (the proxy's rule).
      if (req.group?.name && CONSUMER_TYPES.has(req.client_type)) authorize(broker.access, ctx, [groupCheck(resolveName(ctx, req.group, 'group'), 'SUB')]);
      if (req.group?.name && opts.autoCreate) groupOf(opts, ctx, req.group);
      return { status: OK };
    }),

    NotifyClientTermination: unary<{ group?: Resource | null }>('NotifyClientTermination', undefined, (req, ctx) => {
      if (req.group?.name) authorize(broker.access, ctx, [groupCheck(resolveName(ctx, req.group, 'group'), 'SUB')]);
      clients.remove(ctx.clientId);
      return { status: OK };
    }),

    SyncLiteSubscription: unary('SyncLiteSubscription', undefined, () => {
      throw new ProtocolError('NOT_IMPLEMENTED', 'Lite topics are not supported');
    }),

    Telemetry: {
      duplex: (stream: TelemetryStream): void => {
        const ctx = callContext(stream);
        stream.on('data', (cmd: TelemetryCommand) => {
          try {
            if (cmd.command === 'settings' && cmd.settings) stream.write(onSettings(opts, ctx, cmd.settings, stream));
            // thread stack traces and verify results need no answer.
          } catch (e) {
            stream.write({ status: toStatus(e, { rpc: 'Telemetry' }) });
          }
        });
        const done = (): void => {
          clients.detachStream(stream);
          stream.end();
        };
        stream.on('end', done);
        stream.on('cancelled', () => {
          logger.debug({ rpc: 'Telemetry', clientId: ctx.clientId }, 'telemetry stream cancelled');
          done();
        });
      },
    },
  };
}

/** A client's settings: registers the client and answers with the settings the broker applies. */
function onSettings(opts: ServiceOptions, ctx: CallContext, s: Settings, stream: TelemetryStream): TelemetryCommand {
  if (!ctx.clientId) throw new ProtocolError('CLIENT_ID_REQUIRED', 'The x-mq-client-id header is required');
  const limits = {
    maxBodySize: opts.broker.limits.maxMessageSize,
    longPollingMs: opts.longPollingMs,
    receiveBatchSize: MAX_BATCH,
    ...(opts.clientMetrics ? { clientMetrics: opts.clientMetrics } : {}),
  };
  if (s.pub_sub === 'publishing' && s.publishing) {
    const topics = s.publishing.topics.map((t) => topicName(ctx, t));
    authorize(opts.broker.access, ctx, topics.map((t) => topicCheck(t, 'PUB')));
    const answer = { status: OK, settings: producerSettings(s, limits) } as TelemetryCommand;
    opts.clients.upsertSettings(ctx.clientId, s, answer, clientInfo(ctx, s, topics, []), stream);
    return answer;
  }
  if (s.pub_sub === 'subscription' && s.subscription) {
    const subs = subscriptionsOf(ctx, s);
    const groupName = resolveName(ctx, s.subscription.group, 'group');
    authorize(opts.broker.access, ctx, [groupCheck(groupName, 'SUB'), ...subs.map((x) => topicCheck(x.topic, 'SUB'))]);
    // A bad expression is refused when the consumer subscribes, not at its first receive.
    for (const sub of subs) subscriptionFilter(sub.filterType, sub.expression);
    let g: Group | undefined;
    try {
      g = groupOf(opts, ctx, s.subscription.group);
    } catch (e) {
      // An unknown group is reported when the consumer receives, with the protocol's not-found status.
      if (!isBrokerError(e, 'GROUP_NOT_FOUND')) throw e;
    }
    const info = clientInfo(ctx, s, subs.map((x) => x.topic), subs);
    info.group = g?.name ?? groupName;
    const answer = { status: OK, settings: consumerSettings(s, g, limits) } as TelemetryCommand;
    opts.clients.upsertSettings(ctx.clientId, s, answer, info, stream);
    return answer;
  }
  throw new ProtocolError('BAD_REQUEST', 'Settings must carry publishing or subscription');
}

function subscriptionsOf(ctx: CallContext, s: Settings): ClientSubscription[] {
  return (s.subscription?.subscriptions ?? []).map((e) => ({
    topic: topicName(ctx, e.topic),
    filterType: e.expression?.type === 'SQL' ? 'SQL' : 'TAG',
    expression: e.expression?.expression || '*',
  }));
}

/**
 * The client as the console shows it. The settings' user agent is the SDK's own word (NODE_JS, JAVA, …); the
 * headers may say otherwise (the Node SDK sends `x-mq-language: HTTP` as a workaround), so they come second.
 */
function clientInfo(ctx: CallContext, s: Settings, topics: string[], subscriptions: ClientSubscription[]) {
  return {
    namespace: ctx.namespace,
    topics,
    subscriptions,
    language: s.user_agent?.language || ctx.language || 'UNKNOWN',
    version: s.user_agent?.version || ctx.version || '',
    host: s.user_agent?.hostname || ctx.host,
    address: ctx.peer,
    platform: s.user_agent?.platform ?? '',
    user: ctx.user ?? '',
  } as Parameters<ClientRegistry['upsertSettings']>[3];
}
