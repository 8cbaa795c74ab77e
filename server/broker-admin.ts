import type { ClientInfo } from '../broker/grpc/clients.ts';
import type { Broker, BrokerPutResult, GroupStats, PutMessage, ResetResult, ResetTarget, TopicStats } from './broker/broker.ts';
import type { GroupInput, GroupPatch, TopicInput, TopicPatch } from './broker/catalog.ts';
import type { Group, Namespace, Topic } from './broker/model.ts';
import type { StoredMessage } from './broker/store/message-store.ts';
import type { TraceEvent } from './broker/trace/recorder.ts';
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
}

/**
 * The one way the console reaches an instance's data plane. Embedded instances answer in-process; a remote
 * implementation (another process or cluster speaking the RocketMQ protocols) can sit behind the same shape.
 */
export interface BrokerAdmin {
  summary(): InstanceSummary;
  listNamespaces(): Namespace[];
  createNamespace(name: string, description?: string): Namespace;
  deleteNamespace(name: string): void;
  listTopics(namespace?: string): Topic[];
  getTopic(name: string): Topic;
  topicStats(name: string): TopicStats;
  createTopic(input: TopicInput): Topic;
  updateTopic(name: string, patch: TopicPatch): Topic;
  deleteTopic(name: string): Promise<void>;
  listGroups(namespace?: string): Group[];
  getGroup(name: string): Group;
  groupStats(name: string): GroupStats;
  createGroup(input: GroupInput): Group;
  updateGroup(name: string, patch: GroupPatch): Group;
  deleteGroup(name: string): void;
  resetOffset(group: string, topic: string, target: ResetTarget, dryRun: boolean): ResetResult;
  clients(filter?: { group?: string }): ClientInfo[];
  sendMessage(message: PutMessage): Promise<BrokerPutResult>;
  /** A message by id (the newest copy stored) and its trace. */
  findMessage(messageId: string): Promise<{ message: StoredMessage | undefined; trace: TraceEvent[] }>;
  /** Scheduled messages waiting per due minute, and transactions waiting for their end, of a topic. */
  pendingOf(topic: string): { scheduled: { minute: number; count: number; nextDueAt: number | null }[]; halfMessages: { transactionId: string; messageId: string; createdAt: number; checks: number }[] };
}

/** BrokerAdmin over an engine running in this process. */
export class EmbeddedBrokerAdmin implements BrokerAdmin {
  constructor(private readonly instance: RunningInstance & { broker: Broker }) {}

  private get broker(): Broker {
    return this.instance.broker;
  }

  summary(): InstanceSummary {
    const topics = this.broker.listTopics();
    const groups = this.broker.listGroups();
    return {
      namespaces: this.broker.listNamespaces().length,
      topics: topics.length,
      groups: groups.length,
      clients: this.clients().length,
      messages: topics.reduce((n, t) => n + this.broker.topicStats(t.name).messageCount, 0),
      backlog: groups.reduce((n, g) => n + this.groupStats(g.name).lag, 0),
      ...this.instance.rates,
    };
  }

  listNamespaces(): Namespace[] {
    return this.broker.listNamespaces();
  }
  createNamespace(name: string, description?: string): Namespace {
    return this.broker.createNamespace(name, description);
  }
  deleteNamespace(name: string): void {
    this.broker.deleteNamespace(name);
  }
  listTopics(namespace?: string): Topic[] {
    return this.broker.listTopics(namespace === undefined ? {} : { namespace });
  }
  getTopic(name: string): Topic {
    return this.broker.getTopic(name);
  }
  topicStats(name: string): TopicStats {
    return this.broker.topicStats(name);
  }
  createTopic(input: TopicInput): Topic {
    return this.broker.createTopic(input);
  }
  updateTopic(name: string, patch: TopicPatch): Topic {
    return this.broker.updateTopic(name, patch);
  }
  deleteTopic(name: string): Promise<void> {
    return this.broker.deleteTopic(name);
  }
  listGroups(namespace?: string): Group[] {
    return this.broker.listGroups(namespace === undefined ? {} : { namespace });
  }
  getGroup(name: string): Group {
    return this.broker.getGroup(name);
  }
  /** Lag over the topics the group has progress on or its live clients subscribe to. */
  groupStats(name: string): GroupStats {
    const subscribed = this.clients({ group: name }).flatMap((c) => c.subscriptions.map((s) => s.topic));
    return this.broker.groupStats(name, subscribed);
  }
  createGroup(input: GroupInput): Group {
    return this.broker.createGroup(input);
  }
  updateGroup(name: string, patch: GroupPatch): Group {
    return this.broker.updateGroup(name, patch);
  }
  deleteGroup(name: string): void {
    this.broker.deleteGroup(name);
  }
  resetOffset(group: string, topic: string, target: ResetTarget, dryRun: boolean): ResetResult {
    return this.broker.resetOffset(group, topic, target, dryRun);
  }
  clients(filter: { group?: string } = {}): ClientInfo[] {
    return this.instance.endpoint?.clients.list(filter) ?? [];
  }
  sendMessage(message: PutMessage): Promise<BrokerPutResult> {
    return this.broker.put(message);
  }
  async findMessage(messageId: string): Promise<{ message: StoredMessage | undefined; trace: TraceEvent[] }> {
    return { message: this.broker.store.lookupById(messageId), trace: await this.broker.trace.events(messageId) };
  }
  pendingOf(topic: string) {
    return {
      scheduled: this.broker.timer.pending(topic),
      halfMessages: this.broker.txn.pending(topic).map(({ transactionId, messageId, createdAt, checks }) => ({ transactionId, messageId, createdAt, checks })),
    };
  }
}
