import { BrokerError } from './errors.ts';
import {
  CONSUME_TYPES,
  DEFAULT_MAX_DELIVERY_ATTEMPTS,
  MESSAGE_TYPES,
  PERMISSIONS,
  DEFAULT_RETRY_DELAYS_MS,
  GroupSchema,
  NamespaceSchema,
  TopicSchema,
  type ConsumeType,
  type Group,
  type MessageType,
  type Namespace,
  type Permission,
  type RetryPolicy,
  type Topic,
} from './model.ts';
import { logger } from './logger.ts';
import { dlqTopicOf, isProbeResource, retryTopicOf, unwrapName, validateNamespace, validateProbeName, validateResourceName, wrapName } from './names.ts';
import { Registry } from './registry.ts';
import { DEFAULT_QUEUES, MAX_DELIVERY_ATTEMPTS_LIMIT, MAX_QUEUES } from './rules.ts';

/** What every topic and group is created with: a bare name, its namespace, free-form attributes. */
interface ResourceInput {
  name: string;
  namespace?: string;
  attributes?: Record<string, string>;
}

export interface TopicInput extends ResourceInput {
  messageType?: MessageType;
  /** Sets both read and write queue counts. */
  queueNums?: number;
  readQueueNums?: number;
  writeQueueNums?: number;
  perm?: Permission;
}
export type TopicPatch = Partial<Omit<TopicInput, 'name' | 'namespace'>>;

export interface GroupInput extends ResourceInput {
  consumeType?: ConsumeType;
  fifo?: boolean;
  maxDeliveryAttempts?: number;
  retryPolicy?: RetryPolicy;
}
export type GroupPatch = Partial<Omit<GroupInput, 'name' | 'namespace'>>;

export interface ListFilter {
  /** Only resources of this namespace ('' = those without one); all when undefined. */
  namespace?: string;
  /** Also the engine's own resources (retry and dead-letter topics, the prober's topics and groups); left out by default. */
  includeSystem?: boolean;
}

/** A probe topic (see PROBE_PREFIX): its full name, without a namespace, and the shape the prober needs. */
export interface ProbeTopicInput {
  name: string;
  messageType: MessageType;
  queueNums: number;
}

/** A probe group (see PROBE_PREFIX): its full name, without a namespace. */
export interface ProbeGroupInput {
  name: string;
  fifo?: boolean;
}

function defaultTopic(name: string, namespace: string, now: number): Topic {
  const queues = DEFAULT_QUEUES;
  return { name, namespace, messageType: 'NORMAL', readQueueNums: queues, writeQueueNums: queues, perm: 'READ_WRITE', attributes: {}, system: false, createdAt: now, updatedAt: now };
}

function defaultGroup(name: string, namespace: string, startPhysicalOffset: number, now: number): Group {
  return {
    name,
    namespace,
    consumeType: 'CLUSTERING',
    fifo: false,
    maxDeliveryAttempts: DEFAULT_MAX_DELIVERY_ATTEMPTS,
    retryPolicy: { kind: 'customized', delaysMs: DEFAULT_RETRY_DELAYS_MS },
    attributes: {},
    startPhysicalOffset,
    createdAt: now,
    updatedAt: now,
  };
}

/** Refuses a user's change to one of the prober's resources (the prober puts them back as it needs them). */
function refuseProbe(kind: 'topic' | 'group', name: string, action: string): void {
  if (isProbeResource(name)) {
    throw new BrokerError('PERMISSION_DENIED', `${kind === 'topic' ? 'Topic' : 'Consumer group'} "${name}" belongs to Meridian's prober and cannot be ${action}`);
  }
}

function checkQueues(field: string, n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_QUEUES) {
    throw new BrokerError('INVALID_ARGUMENT', `${field} must be an integer from 1 to ${MAX_QUEUES}, got ${n}`, { field });
  }
}

function oneOf(field: string, value: string | undefined, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value)) {
    throw new BrokerError('INVALID_ARGUMENT', `${field} must be one of ${allowed.join(', ')}, got "${value}"`, { field });
  }
}

function checkMaxAttempts(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_DELIVERY_ATTEMPTS_LIMIT) {
    throw new BrokerError('INVALID_ARGUMENT', `maxDeliveryAttempts must be an integer from 1 to ${MAX_DELIVERY_ATTEMPTS_LIMIT}, got ${n}`, {
      field: 'maxDeliveryAttempts',
    });
  }
}

/** Namespaces, topics and consumer groups: validated, persisted in the data directory. */
export class Catalog {
  readonly namespaces: Registry<Namespace>;
  readonly topics: Registry<Topic>;
  readonly groups: Registry<Group>;

  constructor(metaDir: string) {
    this.namespaces = new Registry(metaDir, 'namespaces.json', NamespaceSchema);
    this.topics = new Registry(metaDir, 'topics.json', TopicSchema);
    this.groups = new Registry(metaDir, 'groups.json', GroupSchema);
  }

  // ---- namespaces ----

  createNamespace(name: string, description = ''): Namespace {
    validateNamespace(name);
    if (this.namespaces.has(name)) throw new BrokerError('NAMESPACE_EXISTS', `Namespace "${name}" already exists`);
    const ns = { name, description, createdAt: Date.now() };
    this.namespaces.put(ns);
    return ns;
  }

  deleteNamespace(name: string): void {
    if (!this.namespaces.has(name)) throw new BrokerError('NAMESPACE_NOT_FOUND', `Namespace "${name}" does not exist`);
    const topics = this.listTopics({ namespace: name }).length;
    const groups = this.listGroups({ namespace: name }).length;
    if (topics + groups > 0) {
      throw new BrokerError(
        'NAMESPACE_NOT_EMPTY',
        `Namespace "${name}" still holds ${topics} topic(s) and ${groups} group(s); delete them first`,
        { topics, groups },
      );
    }
    this.namespaces.delete(name);
  }

  /** The stored name of a new topic or group: valid, in an existing namespace, not taken. */
  private newName(kind: 'topic' | 'group', input: { name: string; namespace?: string | undefined }): string {
    validateResourceName(kind, input.name, input.namespace);
    if (input.namespace && !this.namespaces.has(input.namespace)) {
      throw new BrokerError('NAMESPACE_NOT_FOUND', `Namespace "${input.namespace}" does not exist; create it first`);
    }
    const name = wrapName(input.namespace, input.name);
    if (kind === 'topic' && this.topics.has(name)) throw new BrokerError('TOPIC_EXISTS', `Topic "${name}" already exists`, { topic: name });
    if (kind === 'group' && this.groups.has(name)) throw new BrokerError('GROUP_EXISTS', `Consumer group "${name}" already exists`, { group: name });
    return name;
  }

  // ---- topics ----

  getTopic(name: string): Topic {
    const t = this.topics.get(name);
    if (!t) throw new BrokerError('TOPIC_NOT_FOUND', `Topic "${name}" does not exist`, { topic: name });
    return t;
  }

  /** The topic, if its permission allows `access` (PERMISSION_DENIED otherwise). */
  topicAllowing(access: 'read' | 'write', name: string): Topic {
    const topic = this.getTopic(name);
    const denied = access === 'read' ? topic.perm === 'WRITE' || topic.perm === 'NONE' : topic.perm === 'READ' || topic.perm === 'NONE';
    if (denied) {
      const what = access === 'read' ? 'does not allow reads' : 'does not accept writes';
      throw new BrokerError('PERMISSION_DENIED', `Topic "${topic.name}" ${what} (permission ${topic.perm})`);
    }
    return topic;
  }

  listTopics(filter: ListFilter = {}): Topic[] {
    return this.topics.list().filter((t) => (filter.includeSystem || !t.system) && (filter.namespace === undefined || t.namespace === filter.namespace));
  }

  createTopic(input: TopicInput): Topic {
    const name = this.newName('topic', input);
    return this.topics.put(this.buildTopic(defaultTopic(name, input.namespace ?? '', Date.now()), input));
  }

  updateTopic(name: string, patch: TopicPatch): Topic {
    refuseProbe('topic', name, 'changed');
    return this.topics.put(this.buildTopic({ ...this.getTopic(name), updatedAt: Date.now() }, patch));
  }

  private buildTopic(base: Topic, patch: TopicPatch): Topic {
    oneOf('messageType', patch.messageType, MESSAGE_TYPES);
    oneOf('perm', patch.perm, PERMISSIONS);
    const t = { ...base, attributes: { ...base.attributes, ...patch.attributes } };
    if (patch.messageType) t.messageType = patch.messageType;
    if (patch.perm) t.perm = patch.perm;
    if (patch.queueNums !== undefined) {
      checkQueues('queueNums', patch.queueNums);
      t.readQueueNums = t.writeQueueNums = patch.queueNums;
    }
    if (patch.readQueueNums !== undefined) {
      checkQueues('readQueueNums', patch.readQueueNums);
      t.readQueueNums = patch.readQueueNums;
    }
    if (patch.writeQueueNums !== undefined) {
      checkQueues('writeQueueNums', patch.writeQueueNums);
      t.writeQueueNums = patch.writeQueueNums;
    }
    return t;
  }

  deleteTopic(name: string): Topic {
    const topic = this.getTopic(name);
    if (topic.system) throw new BrokerError('PERMISSION_DENIED', `Topic "${name}" is a system topic and cannot be deleted`);
    this.topics.delete(name);
    return topic;
  }

  /**
   * A probe topic with the shape asked for: created when missing (a system topic, so it stays out of
   * listTopics and cannot be deleted). Only Meridian can make a name with the prefix, so an existing one that
   * differs (another message type, queue count or permission) was made by an earlier prober with another
   * table: it is reshaped in place, with a warning in the log, rather than failing every probe round with an
   * error no user could fix. Messages it still holds stay; the prober skips an earlier run's messages.
   */
  ensureProbeTopic(input: ProbeTopicInput): Topic {
    validateProbeName('topic', input.name);
    oneOf('messageType', input.messageType, MESSAGE_TYPES);
    checkQueues('queueNums', input.queueNums);
    const existing = this.topics.get(input.name);
    if (!existing) {
      const base = { ...defaultTopic(input.name, '', Date.now()), system: true };
      return this.topics.put(this.buildTopic(base, { messageType: input.messageType, queueNums: input.queueNums }));
    }
    const fits =
      existing.system &&
      existing.messageType === input.messageType &&
      existing.readQueueNums === input.queueNums &&
      existing.writeQueueNums === input.queueNums &&
      existing.perm === 'READ_WRITE';
    if (fits) return existing;
    logger.warn(
      {
        event: 'broker.probe_topic_reshaped',
        topic: input.name,
        from: { messageType: existing.messageType, readQueueNums: existing.readQueueNums, writeQueueNums: existing.writeQueueNums, perm: existing.perm },
        to: { messageType: input.messageType, queueNums: input.queueNums, perm: 'READ_WRITE' },
      },
      'probe topic reshaped to what the prober needs',
    );
    const base = { ...existing, system: true, updatedAt: Date.now() };
    return this.topics.put(this.buildTopic(base, { messageType: input.messageType, queueNums: input.queueNums, perm: 'READ_WRITE' }));
  }

  /** The retry or dead-letter topic of a group, created on first use. */
  systemTopicFor(kind: 'retry' | 'dlq', group: string): Topic {
    const name = kind === 'retry' ? retryTopicOf(group) : dlqTopicOf(group);
    const existing = this.topics.get(name);
    if (existing) return existing;
    const now = Date.now();
    const topic: Topic = {
      name,
      namespace: unwrapName(group).namespace,
      messageType: 'NORMAL',
      readQueueNums: 1,
      writeQueueNums: 1,
      perm: 'READ_WRITE',
      attributes: {},
      system: true,
      createdAt: now,
      updatedAt: now,
    };
    this.topics.put(topic);
    return topic;
  }

  // ---- groups ----

  getGroup(name: string): Group {
    const g = this.groups.get(name);
    if (!g) throw new BrokerError('GROUP_NOT_FOUND', `Consumer group "${name}" does not exist`, { group: name });
    return g;
  }

  listGroups(filter: ListFilter = {}): Group[] {
    return this.groups.list().filter((g) => (filter.includeSystem || !isProbeResource(g.name)) && (filter.namespace === undefined || g.namespace === filter.namespace));
  }

  /** A new group starts at `startPhysicalOffset` on every queue it has no offset for (the log's end now). */
  createGroup(input: GroupInput, startPhysicalOffset: number): Group {
    const name = this.newName('group', input);
    return this.groups.put(this.buildGroup(defaultGroup(name, input.namespace ?? '', startPhysicalOffset, Date.now()), input));
  }

  /**
   * A probe group, created when missing (starting at `startPhysicalOffset`, like createGroup). Groups have
   * no system flag: the prefix alone marks them (no user can make such a name), so listGroups leaves them
   * out. An existing one with another fifo setting or consume type is put back in place, with a warning, as
   * ensureProbeTopic does for topics.
   */
  ensureProbeGroup(input: ProbeGroupInput, startPhysicalOffset: number): Group {
    validateProbeName('group', input.name);
    const fifo = input.fifo ?? false;
    const existing = this.groups.get(input.name);
    if (!existing) return this.groups.put(this.buildGroup(defaultGroup(input.name, '', startPhysicalOffset, Date.now()), { fifo }));
    if (existing.fifo === fifo && existing.consumeType === 'CLUSTERING') return existing;
    logger.warn(
      { event: 'broker.probe_group_reshaped', group: input.name, from: { fifo: existing.fifo, consumeType: existing.consumeType }, to: { fifo, consumeType: 'CLUSTERING' } },
      'probe group reshaped to what the prober needs',
    );
    return this.groups.put(this.buildGroup({ ...existing, updatedAt: Date.now() }, { fifo, consumeType: 'CLUSTERING' }));
  }

  updateGroup(name: string, patch: GroupPatch): Group {
    refuseProbe('group', name, 'changed');
    return this.groups.put(this.buildGroup({ ...this.getGroup(name), updatedAt: Date.now() }, patch));
  }

  private buildGroup(base: Group, patch: GroupPatch): Group {
    oneOf('consumeType', patch.consumeType, CONSUME_TYPES);
    const g = { ...base, attributes: { ...base.attributes, ...patch.attributes } };
    if (patch.consumeType) g.consumeType = patch.consumeType;
    if (patch.fifo !== undefined) g.fifo = patch.fifo;
    if (patch.maxDeliveryAttempts !== undefined) {
      checkMaxAttempts(patch.maxDeliveryAttempts);
      g.maxDeliveryAttempts = patch.maxDeliveryAttempts;
    }
    if (patch.retryPolicy) {
      const parsed = GroupSchema.shape.retryPolicy.safeParse(patch.retryPolicy);
      if (!parsed.success) {
        throw new BrokerError('INVALID_ARGUMENT', `retryPolicy is invalid: ${parsed.error.issues[0]?.message}`, { field: 'retryPolicy' });
      }
      g.retryPolicy = parsed.data;
    }
    return g;
  }

  deleteGroup(name: string): Group {
    const group = this.getGroup(name);
    refuseProbe('group', name, 'deleted');
    this.groups.delete(name);
    return group;
  }
}
