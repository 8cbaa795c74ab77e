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
