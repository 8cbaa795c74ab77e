/**
 * The prober's own topics and groups on an instance, created on first use.
 *
 * Reserved names: every one starts with the engine's PROBE_PREFIX (`rmq_sys_meridian_probe_`) and has no
 * namespace. Users cannot create, list, change or delete such resources, and the gRPC front end lets SDK
 * clients use exactly these `rmq_sys_*` names, so the prober's SDK clients reach them like any client would.
 * One topic and one group per check, so nothing it sends mixes with user traffic or with another check's.
 */
import { PROBE_PREFIX, type Broker, type MessageType } from '../broker/index.ts';
import type { CheckName } from './model.ts';

export interface ProbeResource {
  /** Full topic name (no namespace). */
  topic: string;
  group: string;
  messageType: MessageType;
  fifo: boolean;
}

function probe(suffix: string, messageType: MessageType, fifo = false): ProbeResource {
  return { topic: PROBE_PREFIX + suffix, group: PROBE_PREFIX + suffix, messageType, fifo };
}

/** One topic and group per check: one check's leftovers never sit in another check's way. */
export const PROBE_RESOURCES: Record<CheckName, ProbeResource> = {
  normal: probe('normal', 'NORMAL'),
  fifo: probe('fifo', 'FIFO', true),
  delay: probe('delay', 'DELAY'),
  transaction: probe('transaction', 'TRANSACTION'),
  tag_filter: probe('tag', 'NORMAL'),
  sql_filter: probe('sql', 'NORMAL'),
  ack: probe('ack', 'NORMAL'),
  nack_redeliver: probe('nack', 'NORMAL'),
};

/**
 * One queue per probe topic: a check measures the message path, not load balancing, and with one queue
 * "sent first" means "stored first", which the filter checks rely on.
 */
const PROBE_QUEUES = 1;

/**
 * Creates whatever of the prober's topics and groups is missing. The engine's ensure* calls are idempotent and
 * put a resource an earlier prober left in another shape back to this one.
 */
export function ensureProbeResources(broker: Broker): void {
  for (const r of Object.values(PROBE_RESOURCES)) {
    broker.ensureProbeTopic({ name: r.topic, messageType: r.messageType, queueNums: PROBE_QUEUES });
    broker.ensureProbeGroup({ name: r.group, fifo: r.fifo });
  }
}
