import type { Call } from './h2/server.ts';
import type { Settings, TelemetryCommand } from './wire.ts';

export type ClientKind = 'PRODUCER' | 'PUSH_CONSUMER' | 'SIMPLE_CONSUMER' | 'PULL_CONSUMER' | 'OTHER';

export interface ClientSubscription {
  topic: string;
  filterType: 'TAG' | 'SQL';
  expression: string;
}

/** A client connected over gRPC, as the console shows it. */
export interface ClientInfo {
  clientId: string;
  kind: ClientKind;
  namespace: string;
  /** Consumer group (full name), for consumers. */
  group?: string;
  topics: string[];
  subscriptions: ClientSubscription[];
  language: string;
  version: string;
  /** The client's host name as its SDK reports it (else its address). */
  host: string;
  /** host:port the client connects from. */
  address: string;
  /** The SDK's platform string (OS, runtime). */
  platform: string;
  /** The ACL user its telemetry stream authenticated as; '' with authentication off. */
  user: string;
  connectedAt: number;
  lastHeartbeat: number;
  /** Messages the client sent / was handed since it connected. */
  sent: number;
  received: number;
  /** Over the last rate window (10 s or more). */
  sendPerSec: number;
  receivePerSec: number;
}

/** The counts a client's rates were last measured from. */
interface RateMark {
  at: number;
  sent: number;
  received: number;
}

type TelemetryStream = Call<TelemetryCommand>;

interface Entry {
  info: ClientInfo;
  settings: Settings;
  /** What the broker answered to those settings. */
  answer: TelemetryCommand;
  streams: Set<TelemetryStream>;
  /** Set at the first heartbeat, which SDKs send only once their start-up is over. */
  started: boolean;
  mark: RateMark;
}

/** Clients not heard from (heartbeat every 10 s, settings every 5 min) for this long are dropped. */
const EXPIRE_MS = 60_000;
/** A client's rates are measured over at least this long: a heartbeat's period, so a lone send shows. */
const RATE_WINDOW_MS = 10_000;

function kindOf(clientType: string | undefined): ClientKind {
  switch (clientType) {
    case 'PRODUCER':
    case 'PUSH_CONSUMER':
    case 'SIMPLE_CONSUMER':
    case 'PULL_CONSUMER':
      return clientType;
    default:
      return 'OTHER';
  }
}

/** Live clients by `x-mq-client-id`: their settings, telemetry streams and last heartbeat. */
export class ClientRegistry {
  private readonly clients = new Map<string, Entry>();

  /** Stores a client's settings (sent on its telemetry stream) and the broker's answer to them. */
  upsertSettings(
    clientId: string,
    settings: Settings,
    answer: TelemetryCommand,
    base: Omit<ClientInfo, 'clientId' | 'kind' | 'connectedAt' | 'lastHeartbeat' | 'sent' | 'received' | 'sendPerSec' | 'receivePerSec'>,
    stream?: TelemetryStream,
  ): ClientInfo {
    const now = Date.now();
    const existing = this.clients.get(clientId);
    const info: ClientInfo = {
      ...base,
      clientId,
      kind: kindOf(settings.client_type),
      connectedAt: existing?.info.connectedAt ?? now,
      lastHeartbeat: now,
      sent: existing?.info.sent ?? 0,
      received: existing?.info.received ?? 0,
      sendPerSec: existing?.info.sendPerSec ?? 0,
      receivePerSec: existing?.info.receivePerSec ?? 0,
    };
    const mark = existing?.mark ?? { at: now, sent: 0, received: 0 };
    const entry: Entry = { info, settings, answer, streams: existing?.streams ?? new Set(), started: existing?.started ?? false, mark };
    if (stream) entry.streams.add(stream);
    this.clients.set(clientId, entry);
    return info;
  }

  settingsOf(clientId: string): Settings | undefined {
    return this.clients.get(clientId)?.settings;
  }

  heartbeat(clientId: string): boolean {
    const e = this.clients.get(clientId);
    if (!e) return false;
    e.info.lastHeartbeat = Date.now();
    if (!e.started) {
      this.echoSettings(clientId);
      e.started = true;
    }
    return true;
  }

  /**
   * Sends the settings answer again to a client still starting up. The official Node.js SDK looks up the
   * routes of its topics one by one after opening its telemetry stream, and only then starts listening for
   * the answer; an answer that arrives during a later lookup is dropped and its start-up waits forever. So
   * the answer follows each route lookup until the first heartbeat (a harmless repeat for other SDKs).
   */
  echoSettings(clientId: string): void {
    const e = this.clients.get(clientId);
    if (!e || e.started) return;
    for (const s of e.streams) s.write(e.answer);
  }

  /** Counts messages a client sent (accepted or not) and was handed; unknown clients are not counted. */
  countTraffic(clientId: string, sent: number, received: number): void {
    const e = this.clients.get(clientId);
    if (!e) return;
    e.info.sent += sent;
    e.info.received += received;
  }

  detachStream(stream: TelemetryStream): void {
    for (const e of this.clients.values()) e.streams.delete(stream);
  }

  remove(clientId: string): void {
    this.clients.delete(clientId);
  }

  /** Live clients, most recently seen first; stale ones are dropped on the way. */
  list(filter: { group?: string; kind?: ClientKind } = {}): ClientInfo[] {
    const cutoff = Date.now() - EXPIRE_MS;
    const out: ClientInfo[] = [];
    for (const [id, e] of this.clients) {
      if (e.info.lastHeartbeat < cutoff && e.streams.size === 0) {
        this.clients.delete(id);
        continue;
      }
      if (filter.group !== undefined && e.info.group !== filter.group) continue;
      if (filter.kind !== undefined && e.info.kind !== filter.kind) continue;
      measureRates(e);
      out.push({ ...e.info });
    }
    return out.sort((a, b) => b.lastHeartbeat - a.lastHeartbeat);
  }

  /** The topics each group's live consumers subscribe to. */
  subscriptionsByGroup(): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const c of this.list()) {
      if (!c.group || c.subscriptions.length === 0) continue;
      const topics = out.get(c.group) ?? new Set<string>();
      for (const s of c.subscriptions) topics.add(s.topic);
      out.set(c.group, topics);
    }
    return out;
  }

  /** Open telemetry streams of producers publishing to a topic (for transaction check-backs). */
  producerStreams(topic: string): TelemetryStream[] {
    const out: TelemetryStream[] = [];
    for (const e of this.clients.values()) {
      if (e.info.kind === 'PRODUCER' && e.info.topics.includes(topic)) out.push(...e.streams);
    }
    return out;
  }

  closeAll(): void {
    for (const e of this.clients.values()) for (const s of e.streams) s.end();
    this.clients.clear();
  }
}

/** Moves a client's rates on once a window has passed since they were last measured. */
function measureRates(e: Entry, now = Date.now()): void {
  const secs = (now - e.mark.at) / 1000;
  if (secs * 1000 < RATE_WINDOW_MS) return;
  e.info.sendPerSec = Math.round(((e.info.sent - e.mark.sent) / secs) * 10) / 10;
  e.info.receivePerSec = Math.round(((e.info.received - e.mark.received) / secs) * 10) / 10;
  e.mark = { at: now, sent: e.info.sent, received: e.info.received };
}
