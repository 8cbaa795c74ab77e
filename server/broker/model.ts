import { z } from 'zod';
import { CONSUME_TYPES, MESSAGE_TYPES, PERMISSIONS } from './rules.ts';

export { CONSUME_TYPES, DEFAULT_MAX_DELIVERY_ATTEMPTS, MESSAGE_TYPES, PERMISSIONS } from './rules.ts';
export type { ConsumeType, MessageType, Permission } from './rules.ts';

export const TopicSchema = z.object({
  /** Stored name: `ns%name` inside a namespace. */
  name: z.string(),
  namespace: z.string(),
  messageType: z.enum(MESSAGE_TYPES),
  readQueueNums: z.number().int(),
  writeQueueNums: z.number().int(),
  perm: z.enum(PERMISSIONS),
  attributes: z.record(z.string(), z.string()),
  /** Internal topics (retry, dead-letter) are created by the engine, not by users. */
  system: z.boolean(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Topic = z.infer<typeof TopicSchema>;

export const RetryPolicySchema = z.discriminatedUnion('kind', [
  /** Delay n is used for delivery attempt n+1; the last one repeats. */
  z.object({ kind: z.literal('customized'), delaysMs: z.array(z.number().int().nonnegative()).min(1) }),
  z.object({
    kind: z.literal('exponential'),
    initialMs: z.number().int().positive(),
    maxMs: z.number().int().positive(),
    multiplier: z.number().positive(),
  }),
]);
export type RetryPolicy = z.infer<typeof RetryPolicySchema>;

/** RocketMQ's default back-off: 1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h. */
export const DEFAULT_RETRY_DELAYS_MS = [1, 5, 10, 30, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600, 1200, 1800, 3600, 7200].map(
  (s) => s * 1000,
);

export const GroupSchema = z.object({
  name: z.string(),
  namespace: z.string(),
  consumeType: z.enum(CONSUME_TYPES),
  fifo: z.boolean(),
  maxDeliveryAttempts: z.number().int(),
  retryPolicy: RetryPolicySchema,
  attributes: z.record(z.string(), z.string()),
  /** Commit-log position when the group was created: where it starts on any queue it has no offset for. */
  startPhysicalOffset: z.number().int().nonnegative(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Group = z.infer<typeof GroupSchema>;

export const NamespaceSchema = z.object({
  name: z.string(),
  description: z.string(),
  createdAt: z.number(),
});
export type Namespace = z.infer<typeof NamespaceSchema>;

/** Delay before delivery attempt `attempt + 1` after attempt `attempt` failed (attempt counts from 1). */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  if (policy.kind === 'customized') {
    const i = Math.min(Math.max(attempt - 1, 0), policy.delaysMs.length - 1);
    return policy.delaysMs[i]!;
  }
  return Math.min(policy.maxMs, Math.round(policy.initialMs * policy.multiplier ** Math.max(attempt - 1, 0)));
}
