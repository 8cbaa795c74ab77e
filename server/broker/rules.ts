/**
 * The engine's rules, in one place: name syntax, size limits, the message types, and zod schemas built from
 * them. Pure (no Node imports), so the console's forms validate as you type with exactly what the engine and
 * the routers enforce.
 */
import { z } from 'zod';

export const MESSAGE_TYPES = ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export const PERMISSIONS = ['READ_WRITE', 'READ', 'WRITE', 'NONE'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const CONSUME_TYPES = ['CLUSTERING', 'BROADCASTING'] as const;
export type ConsumeType = (typeof CONSUME_TYPES)[number];

// ---- names ----

/** RocketMQ's topic name limit (TopicValidator), counted on the full `ns%name`. */
export const MAX_TOPIC_LENGTH = 127;
/** RocketMQ's consumer group limit, counted on the full `ns%name`. */
export const MAX_GROUP_LENGTH = 120;
/** Namespaces are a prefix of every name inside them; 64 leaves room for the resource itself. */
export const MAX_NAMESPACE_LENGTH = 64;
/** RocketMQ's resource alphabet ('|' is legal in RocketMQ topic and group names). */
export const RESOURCE_NAME_PATTERN = /^[A-Za-z0-9_|-]+$/;
/** Namespaces may not contain '|' or '%' (the separator). */
export const NAMESPACE_NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

export const RESOURCE_NAME_HINT = "use letters, digits, '|', '-' or '_'";
export const NAMESPACE_NAME_HINT = `use 1-${MAX_NAMESPACE_LENGTH} letters, digits, '-' or '_'`;

// ---- queues and groups ----

/** Queues per topic: each queue is a file set and a lock for FIFO; 1024 bounds files and memory per topic. */
export const MAX_QUEUES = 1024;
/** The SDKs' default queue count for a new topic, also used by auto-create. */
export const DEFAULT_QUEUES = 8;
/** Above this a message has been retried for days with RocketMQ's back-off; more is a misconfiguration. */
export const MAX_DELIVERY_ATTEMPTS_LIMIT = 1000;
/** RocketMQ 5's default for a group (16 retries + the first delivery). */
export const DEFAULT_MAX_DELIVERY_ATTEMPTS = 17;

// ---- messages ----

/** RocketMQ's default maxMessageSize (4 MiB); an instance may set its own. */
export const DEFAULT_MAX_MESSAGE_SIZE = 4 * 1024 * 1024;
/** Largest body an instance may be configured to accept: a gRPC frame holds two of them with headroom. */
export const MAX_MESSAGE_SIZE_LIMIT = 64 * 1024 * 1024;
/** Smallest configurable body limit; below this the SDKs' own headers do not fit. */
export const MIN_MESSAGE_SIZE_LIMIT = 1024;
/** User properties per message (the proxy's limit). */
export const MAX_PROPERTIES = 128;
/** Tag, keys and user properties together (the proxy's 16 KiB limit). */
export const MAX_PROPERTIES_BYTES = 16 * 1024;
/** The proxy refuses a message group of 64 bytes or more. */
export const MAX_MESSAGE_GROUP_BYTES = 63;
/** Message ids are at most 128 bytes: the index stores their hash, the record the id itself. */
export const MAX_MESSAGE_ID_BYTES = 128;
/** A host name is at most 253 characters (RFC 1035) plus a port; 255 bytes covers any `host:port` we accept. */
export const MAX_BORN_HOST_BYTES = 255;
/** RocketMQ's fileReservedTime default: commit-log segments are kept 72 hours. */
export const DEFAULT_RETENTION_HOURS = 72;
/** RocketMQ's timerMaxDelaySec default: 40 days ahead at most. */
export const DEFAULT_MAX_DELAY_MS = 40 * 24 * 3_600_000;

/**
 * Why a trace retention cannot go with a message retention, or undefined when it can: a trace kept longer
 * than its message could only be found by the message's id. The engine's options and the console's forms.
 */
export function traceRetentionError(traceRetentionHours: number, retentionHours: number): string | undefined {
  if (traceRetentionHours <= retentionHours) return undefined;
  return `Trace retention (${traceRetentionHours} h) may not exceed message retention (${retentionHours} h): a trace outliving its message could only be found by id`;
}

/** True when the text holds ASCII control characters (refused in tags, keys, property keys, groups). */
export function hasControlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Why a tag is refused, or undefined when it is valid. */
export function tagProblem(tag: string): string | undefined {
  if (!tag.trim() || tag.includes('|') || hasControlChars(tag)) return `Tag "${tag}" is invalid: it must be non-blank, without '|' or control characters`;
  return undefined;
}

/** Why a message key is refused, or undefined when it is valid. */
export function keyProblem(key: string): string | undefined {
  if (!key.trim() || hasControlChars(key)) return `Message key "${key}" is blank or has control characters`;
  return undefined;
}

/** Why a user property key is refused (`__` is reserved for the engine), or undefined. */
export function propertyKeyProblem(key: string): string | undefined {
  if (!key || key.startsWith('__') || hasControlChars(key)) return `Property key "${key}" is reserved or invalid`;
  return undefined;
}

// ---- zod schemas (routers' input and the forms' as-you-type validation) ----

export const namespaceNameSchema = z
  .string()
  .trim()
  .min(1, 'Enter a name')
  .max(MAX_NAMESPACE_LENGTH, `At most ${MAX_NAMESPACE_LENGTH} characters`)
  .regex(NAMESPACE_NAME_PATTERN, `Use letters, digits, '-' or '_'`);

function resourceNameSchema(max: number) {
  return z.string().trim().min(1, 'Enter a name').max(max, `At most ${max} characters`).regex(RESOURCE_NAME_PATTERN, "Use letters, digits, '|', '-' or '_'");
}

/** A bare topic name (the namespace is chosen separately; the engine checks the joined length). */
export const topicNameSchema = resourceNameSchema(MAX_TOPIC_LENGTH).refine((n) => !/^rmq_sys_/i.test(n), 'Names starting with rmq_sys_ are reserved');
export const groupNameSchema = resourceNameSchema(MAX_GROUP_LENGTH);
export const queueCountSchema = z.number().int('Whole number').min(1, 'At least 1').max(MAX_QUEUES, `At most ${MAX_QUEUES}`);
export const maxDeliveryAttemptsSchema = z.number().int('Whole number').min(1, 'At least 1').max(MAX_DELIVERY_ATTEMPTS_LIMIT, `At most ${MAX_DELIVERY_ATTEMPTS_LIMIT}`);
export const maxMessageSizeSchema = z
  .number()
  .int('Whole number')
  .min(MIN_MESSAGE_SIZE_LIMIT, `At least ${MIN_MESSAGE_SIZE_LIMIT} bytes`)
  .max(MAX_MESSAGE_SIZE_LIMIT, `At most ${MAX_MESSAGE_SIZE_LIMIT} bytes`);
export const tagSchema = z.string().superRefine((t, ctx) => {
  const problem = tagProblem(t);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
export const messageKeySchema = z.string().superRefine((k, ctx) => {
  const problem = keyProblem(k);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** The first problem zod finds with a value, as a sentence for a form field ('' when valid). */
export function fieldError(schema: z.ZodType, value: unknown): string {
  const r = schema.safeParse(value);
  return r.success ? '' : (r.error.issues[0]?.message ?? 'Invalid value');
}
