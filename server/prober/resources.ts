/**
 * The prober's own topics and groups on an instance, created on first use.
 *
 * Reserved names: the engine has no sanctioned way yet to create a system resource an SDK may use (its
 * `createTopic` refuses `rmq_sys_*` names, and the gRPC front-end refuses them from SDK clients too). Until
 * it has one, the prober keeps everything in its own namespace, `meridian-probe`, one topic and one group per
 * check, so nothing it sends mixes with user traffic and user subscriptions never see it.
 */
import { isBrokerError, wrapName, type Broker, type MessageType } from '../broker/index.ts';
import { ProbeError, type CheckName } from './model.ts';

export const PROBE_NAMESPACE = 'meridian-probe';

export interface ProbeResource {
  /** Bare topic name (the SDK adds the namespace). */
  topic: string;
  group: string;
  messageType: MessageType;
  fifo: boolean;
}

/** One topic and group per check: one check's leftovers never sit in another check's way. */
export const PROBE_RESOURCES: Record<CheckName, ProbeResource> = {
  normal: { topic: 'probe-normal', group: 'probe-normal', messageType: 'NORMAL', fifo: false },
  fifo: { topic: 'probe-fifo', group: 'probe-fifo', messageType: 'FIFO', fifo: true },
  delay: { topic: 'probe-delay', group: 'probe-delay', messageType: 'DELAY', fifo: false },
  transaction: { topic: 'probe-transaction', group: 'probe-transaction', messageType: 'TRANSACTION', fifo: false },
  tag_filter: { topic: 'probe-tag', group: 'probe-tag', messageType: 'NORMAL', fifo: false },
  sql_filter: { topic: 'probe-sql', group: 'probe-sql', messageType: 'NORMAL', fifo: false },
  ack: { topic: 'probe-ack', group: 'probe-ack', messageType: 'NORMAL', fifo: false },
  nack_redeliver: { topic: 'probe-nack', group: 'probe-nack', messageType: 'NORMAL', fifo: false },
};

/**
 * One queue per probe topic: a check measures the message path, not load balancing, and with one queue
 * "sent first" means "stored first", which the filter checks rely on.
 */
const PROBE_QUEUES = 1;

/** Creates whatever of the prober's namespace, topics and groups is missing (a race with another creator is fine). */
export function ensureProbeResources(broker: Broker): void {
  tolerateExists(() => {
    if (!broker.hasNamespace(PROBE_NAMESPACE)) broker.createNamespace(PROBE_NAMESPACE, 'Reserved for the black-box prober');
  });
  for (const r of Object.values(PROBE_RESOURCES)) {
    const topic = wrapName(PROBE_NAMESPACE, r.topic);
    if (!broker.hasTopic(topic)) tolerateExists(() => broker.createTopic({ name: r.topic, namespace: PROBE_NAMESPACE, messageType: r.messageType, queueNums: PROBE_QUEUES }));
    const existing = broker.getTopic(topic);
    // Someone made the reserved name by hand with another type: the check would fail obscurely, so say why.
    if (existing.messageType !== r.messageType) throw new ProbeError('RESOURCE_CONFLICT', `Topic "${topic}" is ${existing.messageType}; the prober needs it ${r.messageType}`);
    if (!broker.hasGroup(wrapName(PROBE_NAMESPACE, r.group))) tolerateExists(() => broker.createGroup({ name: r.group, namespace: PROBE_NAMESPACE, fifo: r.fifo }));
  }
}

function tolerateExists(create: () => unknown): void {
  try {
    create();
  } catch (e) {
    if (isBrokerError(e) && e.code.endsWith('_EXISTS')) return;
    throw e;
  }
}
