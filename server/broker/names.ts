import { BrokerError } from './errors.ts';
import {
  MAX_GROUP_LENGTH,
  MAX_NAMESPACE_LENGTH,
  MAX_TOPIC_LENGTH,
  NAMESPACE_NAME_HINT,
  NAMESPACE_NAME_PATTERN,
  RESOURCE_NAME_HINT,
  RESOURCE_NAME_PATTERN,
} from './rules.ts';

/** RocketMQ 5 joins a namespace and a resource name with `%`. */
export const NAMESPACE_SEPARATOR = '%';
export const RETRY_PREFIX = '%RETRY%';
export const DLQ_PREFIX = '%DLQ%';
/**
 * The one prefix of Meridian's own probe topics and groups (the console's black-box prober). Users cannot
 * create names with it (validateResourceName), the gRPC front end lets SDK clients use exactly these
 * `rmq_sys_*` names (the prober goes through the official SDK), and the catalog keeps them out of its lists.
 * Probe resources never live in a namespace.
 */
export const PROBE_PREFIX = 'rmq_sys_meridian_probe_';
const PROBE_PATTERN = /^rmq_sys_meridian_probe_/i;
const SYSTEM_TOPICS = new Set(['SCHEDULE_TOPIC_XXXX', 'TBW102', 'RMQ_SYS_TRANS_HALF_TOPIC', 'RMQ_SYS_TRANS_OP_HALF_TOPIC']);

export type ResourceKind = 'topic' | 'group';

/** Full stored name of a resource: `ns%name`, or `name` without a namespace. */
export function wrapName(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}${NAMESPACE_SEPARATOR}${name}` : name;
}

/** Splits a stored name back into namespace and bare name (retry/DLQ prefixes are kept on the name). */
export function unwrapName(fullName: string): { namespace: string; name: string } {
  let prefix = '';
  let rest = fullName;
  for (const p of [RETRY_PREFIX, DLQ_PREFIX]) {
    if (rest.startsWith(p)) {
      prefix = p;
      rest = rest.slice(p.length);
    }
  }
  const i = rest.indexOf(NAMESPACE_SEPARATOR);
  if (i < 0) return { namespace: '', name: prefix + rest };
  return { namespace: rest.slice(0, i), name: prefix + rest.slice(i + 1) };
}

export function isSystemTopic(name: string): boolean {
  return SYSTEM_TOPICS.has(name) || /^rmq_sys_/i.test(name);
}

/** Whether a stored name (topic or group) is one of the prober's: the prefix, exactly, and no namespace. */
export function isProbeResource(fullName: string): boolean {
  return fullName.startsWith(PROBE_PREFIX) && fullName.length > PROBE_PREFIX.length;
}

/**
 * Validates the name of a probe resource: the prefix, then the user alphabet, within the length limit.
 * Only the reserved-name rule of validateResourceName is skipped.
 */
export function validateProbeName(kind: ResourceKind, name: string): void {
  const max = kind === 'topic' ? MAX_TOPIC_LENGTH : MAX_GROUP_LENGTH;
  if (!isProbeResource(name) || !RESOURCE_NAME_PATTERN.test(name) || name.length > max) {
    throw new BrokerError(
      'INVALID_NAME',
      `Probe ${kind} name "${name}" is invalid: "${PROBE_PREFIX}" then at most ${max - PROBE_PREFIX.length} more characters (${RESOURCE_NAME_HINT})`,
      { field: 'name' },
    );
  }
}

export function validateNamespace(namespace: string): void {
  if (!namespace || namespace.length > MAX_NAMESPACE_LENGTH || !NAMESPACE_NAME_PATTERN.test(namespace)) {
    throw new BrokerError(
      'INVALID_NAME',
      `Namespace "${namespace}" is invalid: ${NAMESPACE_NAME_HINT}`,
      { field: 'namespace' },
    );
  }
}

/** Validates a user-chosen bare name (no namespace, no system prefix). */
export function validateResourceName(kind: ResourceKind, name: string, namespace?: string): void {
  const max = kind === 'topic' ? MAX_TOPIC_LENGTH : MAX_GROUP_LENGTH;
  const full = wrapName(namespace, name);
  if (!name || !RESOURCE_NAME_PATTERN.test(name)) {
    throw new BrokerError(
      'INVALID_NAME',
      `${capitalize(kind)} name "${name}" is invalid: ${RESOURCE_NAME_HINT}`,
      { field: 'name' },
    );
  }
  if (full.length > max) {
    throw new BrokerError('INVALID_NAME', `${capitalize(kind)} name "${full}" is longer than ${max} characters`, {
      field: 'name',
    });
  }
  if (kind === 'topic' && isSystemTopic(name)) {
    throw new BrokerError('INVALID_NAME', `Topic name "${name}" is reserved for the system`, { field: 'name' });
  }
  // Groups may use other rmq_sys_ names (as they always could); only the prober's prefix is reserved for them.
  if (PROBE_PATTERN.test(name)) {
    throw new BrokerError('INVALID_NAME', `${capitalize(kind)} name "${name}" is reserved for Meridian's prober`, { field: 'name' });
  }
}

export function retryTopicOf(group: string): string {
  return RETRY_PREFIX + group;
}

export function dlqTopicOf(group: string): string {
  return DLQ_PREFIX + group;
}

/**
 * Joins group and topic in a group's retry topic. RocketMQ 5's pop retry topics use it too
 * (`%RETRY%group+topic`); no stored group or topic name can contain it, so the name splits back unambiguously.
 */
const GROUP_TOPIC_SEPARATOR = '+';

/**
 * The internal topic holding copies of `topic`'s messages injected for `group` alone (a dead letter resent to
 * it, a consume verification): `%RETRY%<group>+<topic>`, stored names (namespaces included) kept as they are.
 */
export function groupRetryTopicOf(group: string, topic: string): string {
  return `${RETRY_PREFIX}${group}${GROUP_TOPIC_SEPARATOR}${topic}`;
}

/** The group and user topic of a group retry topic; undefined for any other name. */
export function parseGroupRetryTopic(name: string): { group: string; topic: string } | undefined {
  if (!name.startsWith(RETRY_PREFIX)) return undefined;
  const i = name.indexOf(GROUP_TOPIC_SEPARATOR, RETRY_PREFIX.length);
  if (i < 0) return undefined;
  return { group: name.slice(RETRY_PREFIX.length, i), topic: name.slice(i + 1) };
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
