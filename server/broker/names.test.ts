import { describe, expect, it } from 'vitest';
import { BrokerError } from './errors.ts';
import { MAX_GROUP_LENGTH, MAX_NAMESPACE_LENGTH, MAX_TOPIC_LENGTH } from './rules.ts';
import {
  DLQ_PREFIX,
  NAMESPACE_SEPARATOR,
  RETRY_PREFIX,
  dlqTopicOf,
  groupRetryTopicOf,
  isSystemTopic,
  parseGroupRetryTopic,
  retryTopicOf,
  unwrapName,
  validateNamespace,
  validateResourceName,
  wrapName,
} from './names.ts';

/** Runs `fn`, expecting an INVALID_NAME BrokerError; returns it for further checks. */
function invalidName(fn: () => void): BrokerError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BrokerError);
    const err = e as BrokerError;
    expect(err.code).toBe('INVALID_NAME');
    return err;
  }
  throw new Error('expected an INVALID_NAME BrokerError, nothing was thrown');
}

describe('constants', () => {
  it('match RocketMQ 5 conventions', () => {
    expect(NAMESPACE_SEPARATOR).toBe('%');
    expect(RETRY_PREFIX).toBe('%RETRY%');
    expect(DLQ_PREFIX).toBe('%DLQ%');
    expect(MAX_TOPIC_LENGTH).toBe(127);
    expect(MAX_GROUP_LENGTH).toBe(120);
    expect(MAX_NAMESPACE_LENGTH).toBe(64);
  });
});

describe('validateResourceName', () => {
  const good = ['orders', 'Orders_2024', 'a', 'Z', '0', '42', 'a-b', 'a_b', 'a|b', '|', '-', '_', 'MiXeD-09_|x'];

  it.each(good)('accepts topic and group name %j', (name) => {
    expect(() => validateResourceName('topic', name)).not.toThrow();
    expect(() => validateResourceName('group', name)).not.toThrow();
    expect(() => validateResourceName('topic', name, 'ns')).not.toThrow();
    expect(() => validateResourceName('group', name, 'ns')).not.toThrow();
  });

  const bad = [
    '',
    ' ',
    'a b',
    ' a',
    'a ',
    'a%b',
    '%',
    'ns%orders',
    '%RETRY%group',
    '%DLQ%group',
    'a.b',
    'a/b',
    'a\\b',
    'a:b',
    'a*b',
    'a#b',
    'a\nb',
    'a\tb',
    'ä',
    'orders€',
    '日本',
  ];

  it.each(bad)('rejects %j for topics and groups, with or without a namespace', (name) => {
    for (const kind of ['topic', 'group'] as const) {
      const err = invalidName(() => validateResourceName(kind, name));
      expect(err.details).toMatchObject({ field: 'name' });
      invalidName(() => validateResourceName(kind, name, 'ns'));
    }
  });

  it('does not allow `%` in a bare name even when the prefix would be a valid namespace', () => {
    invalidName(() => validateResourceName('topic', 'shop%orders'));
    invalidName(() => validateResourceName('group', 'shop%billing'));
    invalidName(() => validateResourceName('topic', 'orders%', 'shop'));
  });

  it('limits topic names to 127 characters', () => {
    expect(() => validateResourceName('topic', 'a'.repeat(127))).not.toThrow();
    const err = invalidName(() => validateResourceName('topic', 'a'.repeat(128)));
    expect(err.message).toContain('127');
  });

  it('counts the namespace prefix and separator in the topic length', () => {
    // "ns%" + 124 = 127
    expect(() => validateResourceName('topic', 'a'.repeat(124), 'ns')).not.toThrow();
    invalidName(() => validateResourceName('topic', 'a'.repeat(125), 'ns'));
    const ns = 'n'.repeat(60);
    expect(() => validateResourceName('topic', 'a'.repeat(127 - 61), ns)).not.toThrow();
    invalidName(() => validateResourceName('topic', 'a'.repeat(127 - 60), ns));
  });

  it('limits group names to 120 characters, namespace prefix included', () => {
    expect(() => validateResourceName('group', 'g'.repeat(120))).not.toThrow();
    invalidName(() => validateResourceName('group', 'g'.repeat(121)));
    // "ns%" + 117 = 120
    expect(() => validateResourceName('group', 'g'.repeat(117), 'ns')).not.toThrow();
    invalidName(() => validateResourceName('group', 'g'.repeat(118), 'ns'));
    // A 121..127-character name is fine for a topic but not for a group.
    expect(() => validateResourceName('topic', 'g'.repeat(121))).not.toThrow();
  });

  it('treats an empty namespace like no namespace', () => {
    expect(() => validateResourceName('topic', 'a'.repeat(127), '')).not.toThrow();
    invalidName(() => validateResourceName('topic', 'a'.repeat(128), ''));
  });

  const reserved = [
    'SCHEDULE_TOPIC_XXXX',
    'TBW102',
    'RMQ_SYS_TRANS_HALF_TOPIC',
    'RMQ_SYS_TRANS_OP_HALF_TOPIC',
    'rmq_sys_',
    'rmq_sys_trace',
    'rmq_sys_anything_else',
  ];

  it.each(reserved)('reserves system topic name %j', (name) => {
    const err = invalidName(() => validateResourceName('topic', name));
    expect(err.message).toMatch(/reserved/i);
    // Also inside a namespace: the bare name is what is reserved.
    invalidName(() => validateResourceName('topic', name, 'ns'));
  });

  it('does not reserve names that merely resemble system topics', () => {
    for (const name of ['TBW1020', 'XTBW102', 'SCHEDULE_TOPIC', 'my_rmq_sys_topic', 'rmq_system', 'rmqsys_x']) {
      expect(() => validateResourceName('topic', name)).not.toThrow();
    }
  });
});

describe('isSystemTopic', () => {
  it('recognises the reserved names and the rmq_sys_ prefix', () => {
    expect(isSystemTopic('TBW102')).toBe(true);
    expect(isSystemTopic('SCHEDULE_TOPIC_XXXX')).toBe(true);
    expect(isSystemTopic('RMQ_SYS_TRANS_HALF_TOPIC')).toBe(true);
    expect(isSystemTopic('RMQ_SYS_TRANS_OP_HALF_TOPIC')).toBe(true);
    expect(isSystemTopic('rmq_sys_foo')).toBe(true);
    expect(isSystemTopic('orders')).toBe(false);
    expect(isSystemTopic('TBW1020')).toBe(false);
    expect(isSystemTopic('')).toBe(false);
  });
});

describe('validateNamespace', () => {
  it.each(['shop', 'a', 'A-b_9', 'n'.repeat(64), '0', 'prod-eu_1'])('accepts %j', (ns) => {
    expect(() => validateNamespace(ns)).not.toThrow();
  });

  it.each(['', ' ', 'n'.repeat(65), 'a|b', 'a%b', '%', 'a b', 'a.b', 'a/b', 'ä', 'a\n'])('rejects %j', (ns) => {
    const err = invalidName(() => validateNamespace(ns));
    expect(err.details).toMatchObject({ field: 'namespace' });
  });
});

describe('wrapName / unwrapName', () => {
  it('wraps a name in a namespace with %', () => {
    expect(wrapName('shop', 'orders')).toBe('shop%orders');
    expect(wrapName(undefined, 'orders')).toBe('orders');
    expect(wrapName('', 'orders')).toBe('orders');
  });

  it('unwraps plain and namespaced names', () => {
    expect(unwrapName('orders')).toEqual({ namespace: '', name: 'orders' });
    expect(unwrapName('shop%orders')).toEqual({ namespace: 'shop', name: 'orders' });
    expect(unwrapName('shop%a|b')).toEqual({ namespace: 'shop', name: 'a|b' });
  });

  it('keeps %RETRY% and %DLQ% prefixes on the name and still finds the namespace', () => {
    expect(unwrapName('%RETRY%billing')).toEqual({ namespace: '', name: '%RETRY%billing' });
    expect(unwrapName('%DLQ%billing')).toEqual({ namespace: '', name: '%DLQ%billing' });
    expect(unwrapName('%RETRY%shop%billing')).toEqual({ namespace: 'shop', name: '%RETRY%billing' });
    expect(unwrapName('%DLQ%shop%billing')).toEqual({ namespace: 'shop', name: '%DLQ%billing' });
  });

  it('builds retry and dead-letter topic names of (namespaced) groups', () => {
    expect(retryTopicOf('billing')).toBe('%RETRY%billing');
    expect(dlqTopicOf('billing')).toBe('%DLQ%billing');
    expect(retryTopicOf(wrapName('shop', 'billing'))).toBe('%RETRY%shop%billing');
    expect(dlqTopicOf(wrapName('shop', 'billing'))).toBe('%DLQ%shop%billing');
    expect(unwrapName(retryTopicOf(wrapName('shop', 'billing')))).toEqual({ namespace: 'shop', name: '%RETRY%billing' });
    expect(unwrapName(dlqTopicOf('billing'))).toEqual({ namespace: '', name: '%DLQ%billing' });
  });

  it("builds a group's retry topic for a topic and splits it back, namespaced names and the longest ones included", () => {
    expect(groupRetryTopicOf('billing', 'orders')).toBe('%RETRY%billing+orders');
    const group = wrapName('shop', 'a|b_c-d');
    const topic = wrapName('shop', 'x|y');
    expect(parseGroupRetryTopic(groupRetryTopicOf(group, topic))).toEqual({ group, topic });
    const longGroup = 'g'.repeat(MAX_GROUP_LENGTH);
    const longTopic = 't'.repeat(MAX_TOPIC_LENGTH);
    const longest = groupRetryTopicOf(longGroup, longTopic);
    expect(Buffer.byteLength(longest)).toBeLessThanOrEqual(255); // a consume-queue directory name
    expect(parseGroupRetryTopic(longest)).toEqual({ group: longGroup, topic: longTopic });
    expect(parseGroupRetryTopic(retryTopicOf('billing'))).toBeUndefined();
    expect(parseGroupRetryTopic('orders')).toBeUndefined();
  });

  it('round-trips every valid namespace/name pair', () => {
    for (const namespace of ['', 'shop', 'a-b_c']) {
      for (const name of ['orders', 'a|b', 'x-y_z', '0']) {
        expect(unwrapName(wrapName(namespace, name))).toEqual({ namespace, name });
      }
    }
  });
});
