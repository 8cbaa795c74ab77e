import { isProbeResource, isSystemTopic, MAX_GROUP_LENGTH, MAX_TOPIC_LENGTH, wrapName } from '../../server/broker/index.ts';
import type { CallMeta } from './h2/server.ts';
import { ProtocolError } from './status.ts';
import type { Resource } from './wire.ts';

/** Names as RocketMQ accepts them on the wire (`%` joins namespaces and marks retry/DLQ topics). */
const WIRE_NAME = /^[%|A-Za-z0-9_-]+$/;

/** Who is calling, from the request metadata the SDKs send on every call. */
export interface CallContext {
  clientId: string;
  namespace: string;
  language: string;
  version: string;
  host: string;
  /** host:port the call comes from. */
  peer: string;
  /** The authenticated user; undefined with authentication off. */
  user: string | undefined;
}

/** Address "1.2.3.4:5678" / "[::1]:5678" → host. */
export function hostOf(addr: string): string {
  const m = /^\[(.*)\]:\d+$/.exec(addr) ?? /^(.*):\d+$/.exec(addr);
  return m?.[1] ?? addr;
}

export function callContext(call: CallMeta): CallContext {
  const md = call.metadata;
  return {
    clientId: md.get('x-mq-client-id'),
    namespace: md.get('x-mq-namespace'),
    language: md.get('x-mq-language'),
    version: md.get('x-mq-client-version'),
    host: hostOf(call.peer),
    peer: call.peer,
    user: call.user,
  };
}

/**
 * The engine's name for a resource: the `x-mq-namespace` header wins (the Node.js SDK leaves
 * resource_namespace empty on most requests), then the resource's own namespace. System topics (`rmq_sys_*`
 * and the like) are refused, except the prober's (PROBE_PREFIX, without a namespace): Meridian's black-box
 * prober reaches them through the official SDK. The engine alone creates those (auto-create refuses them).
 */
export function resolveName(ctx: CallContext, res: Resource | null | undefined, kind: 'topic' | 'group'): string {
  const name = res?.name ?? '';
  const code = kind === 'topic' ? 'ILLEGAL_TOPIC' : 'ILLEGAL_CONSUMER_GROUP';
  if (!name) throw new ProtocolError(code, `The ${kind} name is empty`);
  const full = wrapName(ctx.namespace || res?.resource_namespace || undefined, name);
  const max = kind === 'topic' ? MAX_TOPIC_LENGTH : MAX_GROUP_LENGTH;
  if (!WIRE_NAME.test(full) || full.length > max) {
    throw new ProtocolError(code, `The ${kind} name "${full}" is invalid: use at most ${max} letters, digits, '%', '|', '-' or '_'`);
  }
  if (kind === 'topic' && isSystemTopic(name) && !isProbeResource(full)) throw new ProtocolError(code, `Topic "${name}" is reserved for the system`);
  return full;
}
