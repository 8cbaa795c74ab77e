import { randomBytes } from 'node:crypto';
import type { ClientInfo } from '../broker/grpc/clients.ts';
import type {
  AccessDecision,
  Action,
  AclSettings,
  AclUserView,
  Broker,
  BrokerLimits,
  BrokerPutResult,
  BrowsePage,
  BrowseRequest,
  FoundMessage,
  Group,
  GroupDelivery,
  GroupInput,
  GroupPatch,
  GroupStats,
  MessageMatch,
  Namespace,
  PendingMinute,
  Policy,
  PutMessage,
  RateLimit,
  RateLimits,
  ResetResult,
  Resolution,
  ResetTarget,
  StoredMessage,
  Topic,
  TopicInput,
  TopicPatch,
  TopicStats,
  TraceEvent,
  TxnState,
  UserStatus,
  UserType,
  VerificationView,
  VolumeBucket,
} from './broker/index.ts';
import { toSamples, type Sample } from './prometheus-samples.ts';
import type { RunningInstance } from './runtime.ts';

export interface InstanceSummary {
  namespaces: number;
  topics: number;
  groups: number;
  clients: number;
  messages: number;
  backlog: number;
  inPerSec: number;
  outPerSec: number;
  /** Trace events lost since the instance started: shed while the trace buffer was full, in failed trace writes. */
  traceShed: number;
  traceWriteDropped: number;
}

/** A transaction waiting for its producer to commit or roll back, as the console lists it. */
export interface PendingTransaction {
  transactionId: string;
  messageId: string;
  createdAt: number;
  checks: number;
}

/** Scheduled messages per due minute and transactions waiting for their end, of one topic. */
export interface TopicPending {
  scheduled: PendingMinute[];
  halfMessages: PendingTransaction[];
}

/** A scheduled message not yet delivered, with the handle that recalls it. */
export interface WaitingMessage {
  messageId: string;
  dueAt: number;
  recallHandle: string;
}

/** The instance as a whole: its limits and the figures the overview shows. */
export interface InstanceAdmin {
  limits(): Promise<BrokerLimits>;
  summary(): Promise<InstanceSummary>;
  /** Every series of the instance (broker and gRPC endpoint) as a Prometheus scrape of it would read now. */
  metricSamples(): Promise<Sample[]>;
}

export interface NamespaceAdmin {
  listNamespaces(): Promise<Namespace[]>;
  createNamespace(name: string, description?: string): Promise<Namespace>;
  deleteNamespace(name: string): Promise<void>;
}

export interface TopicAdmin {
  listTopics(namespace?: string): Promise<Topic[]>;
  getTopic(name: string): Promise<Topic>;
  topicStats(name: string): Promise<TopicStats>;
  createTopic(input: TopicInput): Promise<Topic>;
  updateTopic(name: string, patch: TopicPatch): Promise<Topic>;
  deleteTopic(name: string): Promise<void>;
}

/** Consumer groups, their offsets and the clients connected to them. */
export interface GroupAdmin {
  listGroups(namespace?: string): Promise<Group[]>;
  getGroup(name: string): Promise<Group>;
  groupStats(name: string): Promise<GroupStats>;
  createGroup(input: GroupInput): Promise<Group>;
  updateGroup(name: string, patch: GroupPatch): Promise<Group>;
  deleteGroup(name: string): Promise<void>;
  resetOffset(group: string, topic: string, target: ResetTarget, dryRun: boolean): Promise<ResetResult>;
  clients(filter?: { group?: string }): Promise<ClientInfo[]>;
}

/** Single messages: sending, finding and tracing them, and the ones still waiting (scheduled or half). */
export interface MessageAdmin {
  sendMessage(message: PutMessage): Promise<BrokerPutResult>;
  /** Stores messages together (an import's batch): all are checked before any is written. */
  sendMessages(messages: readonly PutMessage[]): Promise<BrokerPutResult[]>;
  /** The newest stored copy as the user sees it (their topic, what still holds it), if the broker has it. */
  findMessage(messageId: string): Promise<FoundMessage | undefined>;
  /** Every recorded step of a message's life, oldest first. */
  traceOf(messageId: string): Promise<TraceEvent[]>;
  pendingOf(topic: string): Promise<TopicPending>;
  /** A topic's scheduled messages still waiting, soonest first, at most `limit`. */
  waitingScheduled(topic: string, limit: number): Promise<WaitingMessage[]>;
  /** Cancels a scheduled message of `topic` before its delivery time; resolves to its id. */
  recall(topic: string, recallHandle: string): Promise<string>;
  /** Commits or rolls back a transaction in place of its producer; `endedBy` is recorded in the trace. */
  endTransaction(transactionId: string, messageId: string, resolution: Resolution, endedBy: string): Promise<TxnState>;
  /** A page of a topic's messages by store time, filtered on the way within a scan budget (the engine's browseByTime). */
  browseMessages(topic: string, req: Omit<BrowseRequest, 'accept'> & { match?: MessageMatch }): Promise<BrowsePage>;
  /** Messages stored per time bucket of a topic, from the consume queues alone. */
  messageVolume(topic: string, beginMs: number, endMs: number, buckets: number): Promise<VolumeBucket[]>;
  /** Messages of a topic with a key, newest first, from the index; `before` (a physical offset) pages on. */
  messagesByKey(topic: string, key: string, opts: { limit: number; before?: number }): Promise<StoredMessage[]>;
  /** Sends a stored message again, to its own topic or `to` (same type); both traces link to each other. */
  resend(messageId: string, opts: { to?: string; by: string }): Promise<BrokerPutResult>;
  /** The OpenTelemetry trace id of the message's spans. */
  otelTraceId(messageId: string): Promise<string | undefined>;
  /** Where the message stands with every group that subscribes to its topic. */
  deliveryStates(messageId: string): Promise<GroupDelivery[]>;
  /** Delivers the message once more to one group's live consumers (offsets untouched); follow it with `verification`. */
  verifyConsumption(messageId: string, group: string, by: string): Promise<{ verificationId: string }>;
  verification(verificationId: string): Promise<VerificationView | undefined>;
}

/**
 * The one way the console reaches an instance's data plane, one part per domain. Every method is async so
 * a broker in another process (over the network) fits behind the same shape as the engine embedded in this one.
 */
/** A page of a group's dead letters, as the engine pages them (with its cursor and how far the scan got). */
export type DeadLetterPage = ReturnType<Broker['deadLetters']>;
export type DeadLetter = DeadLetterPage['letters'][number];
export type DeadLetterQuery = Parameters<Broker['deadLetters']>[1];
export type DeadLetterTarget = Parameters<Broker['purgeDeadLetters']>[1];

/**
 * Each group's dead-letter queue (`%DLQ%<group>`): listing, counting, resending and purging its messages. A
 * letter is named by its offset in the DLQ (`DeadLetter.offset`): one message may be dead-lettered twice.
 */
export interface DeadLetterAdmin {
  deadLetters(group: string, query: DeadLetterQuery): Promise<DeadLetterPage>;
  /** Dead letters stored for the group, minus the purged ones. */
  deadLetterCount(group: string): Promise<number>;
  /**
   * The letter at `offset` back to the group for another round; with `dedupeKey` at most once per key, also
   * across a restart. Rejects with DEAD_LETTER_NOT_FOUND when no letter is there (purged, expired).
   */
  resendDeadLetter(group: string, offset: number, opts: { by: string; dedupeKey?: string }): Promise<{ resent: boolean }>;
  /** Purges the letters at `offsets` (or all); resolves to how many were purged. */
  purgeDeadLetters(group: string, target: DeadLetterTarget): Promise<number>;
}

/** A user as created or given a new password: the one time its password leaves the broker. */
export interface AclUserWithPassword {
  user: AclUserView;
  password: string;
}

export interface NewAclUser {
  username: string;
  /** Generated when left out. */
  password?: string;
  userType: UserType;
  userStatus: UserStatus;
}

/** "Can this user do this on that resource from that address?", as the console's checker asks it. */
export interface AccessQuestion {
  username: string;
  type: 'Topic' | 'Group';
  /** The stored (namespaced) name. */
  name: string;
  action: Action;
  ip: string;
}

/** The limits of one topic or group, keyed by stored name. */
export interface ScopedLimits {
  topics: Record<string, RateLimit>;
  groups: Record<string, RateLimit>;
}

export type LimitUsage = ReturnType<Broker['access']['limiter']['usage']>;
export type DenialCounts = Broker['access']['denials'];

/**
 * The instance's access control: switches, users, policies, the checker, rate limits and denial counts.
 * Passwords are never part of a read; only creating a user or resetting its password answers with one.
 */
export interface AclAdmin {
  aclSettings(): Promise<AclSettings>;
  updateAclSettings(patch: Partial<AclSettings>): Promise<AclSettings>;
  aclUsers(): Promise<AclUserView[]>;
  createAclUser(input: NewAclUser): Promise<AclUserWithPassword>;
  updateAclUser(username: string, patch: { userType?: UserType; userStatus?: UserStatus }): Promise<AclUserView>;
  /** Sets `password`, or a generated one when left out. */
  resetAclPassword(username: string, password?: string): Promise<AclUserWithPassword>;
  deleteAclUser(username: string): Promise<void>;
  aclPolicies(username: string): Promise<Policy[]>;
  setAclPolicy(username: string, policy: Policy): Promise<Policy[]>;
  /** The evaluator's answer whatever the switches say. */
  checkAccess(q: AccessQuestion): Promise<AccessDecision>;
  aclLimits(): Promise<{ limits: RateLimits; usage: LimitUsage }>;
  /** Replaces the per-topic and per-group limits; the instance-wide ones are the instance spec's. */
  setAclLimits(limits: ScopedLimits): Promise<RateLimits>;
  aclDenials(): Promise<DenialCounts>;
}

/** 18 random bytes: 24 base64url characters, 144 bits, well inside the password length limits. */
const GENERATED_PASSWORD_BYTES = 18;

export function generatePassword(): string {
  return randomBytes(GENERATED_PASSWORD_BYTES).toString('base64url');
}

export interface BrokerAdmin extends InstanceAdmin, NamespaceAdmin, TopicAdmin, GroupAdmin, MessageAdmin, DeadLetterAdmin, AclAdmin {}

/**
 * BrokerAdmin over an engine running in this process, through the engine's facade only. The methods are
 * `async` so a synchronous engine error reaches the caller as a rejection, as it would from a remote broker.
 */
export class EmbeddedBrokerAdmin implements BrokerAdmin {
  constructor(private readonly instance: RunningInstance & { broker: Broker }) {}

  private get broker(): Broker {
    return this.instance.broker;
  }

  async limits(): Promise<BrokerLimits> {
    return this.broker.limits;
  }

  async metricSamples(): Promise<Sample[]> {
    const now = Date.now();
    return toSamples([...this.broker.collectMetrics(now), ...(this.instance.endpoint?.collectMetrics(now) ?? [])]);
  }

  async summary(): Promise<InstanceSummary> {
    const topics = this.broker.listTopics();
    const groups = this.broker.listGroups();
    return {
      namespaces: this.broker.listNamespaces().length,
      topics: topics.length,
      groups: groups.length,
      clients: this.connected().length,
      messages: topics.reduce((n, t) => n + this.broker.topicStats(t.name).messageCount, 0),
      backlog: groups.reduce((n, g) => n + this.lagOf(g.name).lag, 0),
      traceShed: this.broker.counters.traceShed,
      traceWriteDropped: this.broker.counters.traceWriteDropped,
      ...this.instance.rates,
    };
  }

  async listNamespaces(): Promise<Namespace[]> {
    return this.broker.listNamespaces();
  }
  async createNamespace(name: string, description?: string): Promise<Namespace> {
    return this.broker.createNamespace(name, description);
  }
  async deleteNamespace(name: string): Promise<void> {
    this.broker.deleteNamespace(name);
  }
  async listTopics(namespace?: string): Promise<Topic[]> {
    return this.broker.listTopics(namespace === undefined ? {} : { namespace });
  }
  async getTopic(name: string): Promise<Topic> {
    return this.broker.getTopic(name);
  }
  async topicStats(name: string): Promise<TopicStats> {
    return this.broker.topicStats(name);
  }
  async createTopic(input: TopicInput): Promise<Topic> {
    return this.broker.createTopic(input);
  }
  async updateTopic(name: string, patch: TopicPatch): Promise<Topic> {
    return this.broker.updateTopic(name, patch);
  }
  deleteTopic(name: string): Promise<void> {
    return this.broker.deleteTopic(name);
  }
  async listGroups(namespace?: string): Promise<Group[]> {
    return this.broker.listGroups(namespace === undefined ? {} : { namespace });
  }
  async getGroup(name: string): Promise<Group> {
    return this.broker.getGroup(name);
  }
  async groupStats(name: string): Promise<GroupStats> {
    return this.lagOf(name);
  }
  async createGroup(input: GroupInput): Promise<Group> {
    return this.broker.createGroup(input);
  }
  async updateGroup(name: string, patch: GroupPatch): Promise<Group> {
    return this.broker.updateGroup(name, patch);
  }
  async deleteGroup(name: string): Promise<void> {
    this.broker.deleteGroup(name);
  }
  async resetOffset(group: string, topic: string, target: ResetTarget, dryRun: boolean): Promise<ResetResult> {
    return this.broker.resetOffset(group, topic, target, dryRun);
  }
  async clients(filter: { group?: string } = {}): Promise<ClientInfo[]> {
    return this.connected(filter);
  }
  sendMessage(message: PutMessage): Promise<BrokerPutResult> {
    return this.broker.put(message);
  }
  async findMessage(messageId: string): Promise<FoundMessage | undefined> {
    return this.broker.describeMessage(messageId);
  }
  traceOf(messageId: string): Promise<TraceEvent[]> {
    return this.broker.traceOf(messageId);
  }
  async pendingOf(topic: string): Promise<TopicPending> {
    return {
      scheduled: this.broker.pendingScheduled(topic),
      halfMessages: this.broker.pendingTransactions(topic).map(({ transactionId, messageId, createdAt, checks }) => ({ transactionId, messageId, createdAt, checks })),
    };
  }

  async waitingScheduled(topic: string, limit: number): Promise<WaitingMessage[]> {
    return this.broker.waitingScheduled(topic, limit);
  }
  async recall(topic: string, recallHandle: string): Promise<string> {
    return this.broker.recall(recallHandle, topic);
  }
  endTransaction(transactionId: string, messageId: string, resolution: Resolution, endedBy: string): Promise<TxnState> {
    return this.broker.endTransaction(transactionId, messageId, resolution, endedBy);
  }
  async browseMessages(topic: string, req: Omit<BrowseRequest, 'accept'> & { match?: MessageMatch }): Promise<BrowsePage> {
    return this.broker.browseByTime(topic, req);
  }
  async messageVolume(topic: string, beginMs: number, endMs: number, buckets: number): Promise<VolumeBucket[]> {
    return this.broker.messageVolume(topic, beginMs, endMs, buckets);
  }
  async messagesByKey(topic: string, key: string, opts: { limit: number; before?: number }): Promise<StoredMessage[]> {
    return this.broker.queryByKey(topic, key, opts);
  }
  resend(messageId: string, opts: { to?: string; by: string }): Promise<BrokerPutResult> {
    return this.broker.resend(messageId, opts);
  }
  async otelTraceId(messageId: string): Promise<string | undefined> {
    return this.broker.otelTraceId(messageId);
  }
  deliveryStates(messageId: string): Promise<GroupDelivery[]> {
    return this.broker.deliveryStates(messageId);
  }
  verifyConsumption(messageId: string, group: string, by: string): Promise<{ verificationId: string }> {
    return this.broker.verifyConsumption(messageId, group, by);
  }
  async verification(verificationId: string): Promise<VerificationView | undefined> {
    return this.broker.verification(verificationId);
  }

  sendMessages(messages: readonly PutMessage[]): Promise<BrokerPutResult[]> {
    return this.broker.putBatch(messages);
  }
  async deadLetters(group: string, query: DeadLetterQuery): Promise<DeadLetterPage> {
    return this.broker.deadLetters(group, query);
  }
  async deadLetterCount(group: string): Promise<number> {
    return this.broker.deadLetterCount(group);
  }
  async resendDeadLetter(group: string, offset: number, opts: { by: string; dedupeKey?: string }): Promise<{ resent: boolean }> {
    return this.broker.resendDeadLetter(group, offset, opts);
  }
  async purgeDeadLetters(group: string, target: DeadLetterTarget): Promise<number> {
    return this.broker.purgeDeadLetters(group, target);
  }

  async aclSettings(): Promise<AclSettings> {
    return this.access.settings;
  }
  async updateAclSettings(patch: Partial<AclSettings>): Promise<AclSettings> {
    return this.access.updateSettings(patch);
  }
  async aclUsers(): Promise<AclUserView[]> {
    return this.access.listUsers();
  }
  async createAclUser(input: NewAclUser): Promise<AclUserWithPassword> {
    const password = input.password ?? generatePassword();
    return { user: this.access.createUser({ ...input, password }), password };
  }
  async updateAclUser(username: string, patch: { userType?: UserType; userStatus?: UserStatus }): Promise<AclUserView> {
    return this.access.updateUser(username, patch);
  }
  async resetAclPassword(username: string, password: string = generatePassword()): Promise<AclUserWithPassword> {
    return { user: this.access.updateUser(username, { password }), password };
  }
  async deleteAclUser(username: string): Promise<void> {
    this.access.deleteUser(username);
  }
  async aclPolicies(username: string): Promise<Policy[]> {
    return this.access.policiesOf(username);
  }
  async setAclPolicy(username: string, policy: Policy): Promise<Policy[]> {
    return this.access.setPolicy(username, policy);
  }
  async checkAccess(q: AccessQuestion): Promise<AccessDecision> {
    return this.access.evaluate(q.username, [{ type: q.type, name: q.name, actions: [q.action] }], q.ip);
  }
  async aclLimits(): Promise<{ limits: RateLimits; usage: LimitUsage }> {
    return { limits: this.access.limits, usage: this.access.limiter.usage() };
  }
  async setAclLimits(limits: ScopedLimits): Promise<RateLimits> {
    return this.access.setLimits({ ...this.access.limits, topics: limits.topics, groups: limits.groups });
  }
  async aclDenials(): Promise<DenialCounts> {
    return { ...this.access.denials };
  }

  private get access(): Broker['access'] {
    return this.broker.access;
  }

  private connected(filter: { group?: string } = {}): ClientInfo[] {
    return this.instance.endpoint?.clients.list(filter) ?? [];
  }

  /** Lag over the topics the group has progress on or its live clients subscribe to. */
  private lagOf(group: string): GroupStats {
    const subscribed = this.connected({ group }).flatMap((c) => c.subscriptions.map((s) => s.topic));
    return this.broker.groupStats(group, subscribed);
  }
}

/** The admin of an embedded instance while its engine runs in this process; undefined otherwise. */
export function embeddedAdmin(entry: RunningInstance | undefined): BrokerAdmin | undefined {
  return entry?.status === 'running' && entry.broker ? new EmbeddedBrokerAdmin({ ...entry, broker: entry.broker }) : undefined;
}
