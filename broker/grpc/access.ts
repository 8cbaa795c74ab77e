import { logger, type AccessCheck, type AccessControl, type AccessDecision, type Action, type LimitRefusal } from '../../server/broker/index.ts';
import type { CallMeta } from './h2/server.ts';
import { ProtocolError } from './status.ts';

/** One log line per reason at most this often: a client retrying with a bad secret must not flood the log. */
const DENIAL_LOG_INTERVAL_MS = 10_000;

const REASON_TEXT: Record<AccessDecision['reason'], string> = {
  SUPER_USER: 'a super user',
  ALLOWED_BY_ENTRY: 'allowed',
  DENIED_BY_ENTRY: 'denied by an entry',
  NO_MATCHING_POLICY: 'no policy entry matches (the default is deny)',
  UNKNOWN_USER: 'the request is not authenticated as a user of this instance',
  USER_DISABLED: 'the user is disabled',
};

/** The authenticated user of a call (undefined with authentication off), or UNAUTHORIZED with the reason. */
export function authenticateCall(access: AccessControl, call: CallMeta, ip: string): string | undefined {
  const auth = access.authenticate({ authorization: call.metadata.get('authorization'), dateTime: call.metadata.get('x-mq-date-time'), ip });
  if (auth.ok) return auth.username;
  access.countDenial(auth.reason);
  logDenial(auth.reason, auth.message);
  throw new ProtocolError('UNAUTHORIZED', auth.message);
}

/** Who is calling from where, as authorization needs it. */
export interface Caller {
  user: string | undefined;
  host: string;
}

/** Passes when `caller` may do every check; else UNAUTHORIZED naming who, what, from where and why. */
export function authorize(access: AccessControl, caller: Caller, checks: readonly AccessCheck[]): void {
  const decision = access.authorize(caller.user, checks, caller.host);
  if (decision.allowed) return;
  access.countDenial(decision.reason);
  const check = checks.find((c) => decision.resource === `${c.type}:${c.name}`) ?? checks[0];
  const what = check ? check.actions.join(' or ') : 'access';
  const why = decision.entry ? `${REASON_TEXT[decision.reason]} (${decision.entry.policyType} entry #${decision.entry.index + 1}: ${decision.entry.resource} ${decision.entry.decision})` : REASON_TEXT[decision.reason];
  const message = `User:${caller.user ?? '(anonymous)'} has no permission to ${what} ${decision.resource} from ${caller.host}: ${why}`;
  logDenial(decision.reason, message);
  throw new ProtocolError('UNAUTHORIZED', message);
}

export const topicCheck = (name: string, ...actions: Action[]): AccessCheck => ({ type: 'Topic', name, actions });
export const groupCheck = (name: string, ...actions: Action[]): AccessCheck => ({ type: 'Group', name, actions });

const lastLogged = new Map<string, { at: number; suppressed: number }>();

function logDenial(reason: string, message: string): void {
  const now = Date.now();
  const last = lastLogged.get(reason);
  if (last && now - last.at < DENIAL_LOG_INTERVAL_MS) {
    last.suppressed++;
    return;
  }
  lastLogged.set(reason, { at: now, suppressed: 0 });
  logger.warn({ event: 'acl.denied', reason, ...(last?.suppressed ? { suppressedSinceLast: last.suppressed } : {}) }, message);
}

/** Admits `n` messages to `topic` under the send limits, or TOO_MANY_REQUESTS at once (the SDK retries). */
export function admitSend(access: AccessControl, topic: string, n: number): void {
  const refusal = access.limiter.admitSend(topic, n);
  if (refusal) throw new ProtocolError('TOO_MANY_REQUESTS', `${limitName(refusal)} of ${refusal.perSecond} messages/s is reached; retry later`);
}

/** Admits a receive by `group` while its bucket and the instance's have tokens, or TOO_MANY_REQUESTS. */
export function admitReceive(access: AccessControl, group: string): void {
  const refusal = access.limiter.admitReceive(group);
  if (refusal) throw new ProtocolError('TOO_MANY_REQUESTS', `${limitName(refusal)} of ${refusal.perSecond} messages/s is reached; retry later`);
}

function limitName(r: LimitRefusal): string {
  if (r.scope === 'topic') return `The send limit of topic ${r.name}`;
  if (r.scope === 'group') return `The receive limit of group ${r.name}`;
  return `The instance's ${r.scope} limit`;
}
