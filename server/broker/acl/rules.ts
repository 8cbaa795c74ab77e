/**
 * The ACL 2.0 data model and its syntax rules (RocketMQ's names and shapes), pure so the console's forms
 * validate with the same schemas the engine stores with.
 */
import { z } from 'zod';
import { MAX_GROUP_LENGTH, MAX_TOPIC_LENGTH } from '../rules.ts';

export const USER_TYPES = ['SUPER', 'NORMAL'] as const;
export type UserType = (typeof USER_TYPES)[number];
export const USER_STATUSES = ['ENABLE', 'DISABLE'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];
export const POLICY_TYPES = ['CUSTOM', 'DEFAULT'] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];
export const DECISIONS = ['ALLOW', 'DENY'] as const;
export type Decision = (typeof DECISIONS)[number];
/** What a request does to a resource. ALL in an entry grants every action; ANY in a request asks for any one. */
export const ACTIONS = ['PUB', 'SUB', 'CREATE', 'UPDATE', 'DELETE', 'GET', 'LIST', 'ALL', 'ANY'] as const;
export type Action = (typeof ACTIONS)[number];
export const RESOURCE_TYPES = ['Topic', 'Group', 'Namespace', 'Cluster'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const USERNAME_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/;
export const USERNAME_HINT = "use 1-64 letters, digits, '.', '@', '-' or '_'";
/** Long enough for a generated secret, short enough to bound the HMAC key. */
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 128;
/** Entries per policy and addresses per list: far above real use, bounding what one request costs to check. */
export const MAX_ENTRIES = 1000;
export const MAX_ADDRESSES = 1000;

const NAME_CHARS = /^[%|A-Za-z0-9_-]*$/;

/** A resource as written in an entry (`*`, `Topic:*`, `Topic:order-*`, `Group:billing`), or why it is not one. */
export function resourceProblem(text: string): string | undefined {
  if (text === '*') return undefined;
  const colon = text.indexOf(':');
  if (colon < 0) return `"${text}" is not a resource: write Type:name (Topic:orders, Group:billing, Topic:order-*, Topic:*) or *`;
  const type = text.slice(0, colon);
  const name = text.slice(colon + 1);
  if (!RESOURCE_TYPES.some((t) => t.toLowerCase() === type.toLowerCase())) return `Unknown resource type "${type}": use ${RESOURCE_TYPES.join(', ')}`;
  const bare = name.endsWith('*') ? name.slice(0, -1) : name;
  if (!name) return `"${text}" names no ${type.toLowerCase()}: add a name, a prefix ending in *, or *`;
  if (bare.includes('*')) return `Only a trailing * is a wildcard in "${text}"`;
  if (!NAME_CHARS.test(bare)) return `"${bare}" has characters a name cannot have: use letters, digits, '%', '|', '-' or '_'`;
  if (bare.length > Math.max(MAX_TOPIC_LENGTH, MAX_GROUP_LENGTH)) return `"${bare}" is longer than a name can be`;
  return undefined;
}

/** An address or CIDR (IPv4 or IPv6), or why it is not one. */
export function addressProblem(text: string): string | undefined {
  const ok = [z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()].some((s) => s.safeParse(text).success);
  return ok ? undefined : `"${text}" is not an IP address or CIDR (10.0.0.7, 10.0.0.0/8, 2001:db8::/32)`;
}

/** Actions are case-insensitive in Apache's JSON (`Pub`, `pub`); stored upper-case. */
const ActionSchema = z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(ACTIONS, { error: `Actions are ${ACTIONS.join(', ')}` }));
const upper = <T extends readonly [string, ...string[]]>(values: T, what: string) =>
  z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(values, { error: `${what} is one of ${values.join(', ')}` }));

export const AddressSchema = z.string().trim().superRefine((s, ctx) => {
  const problem = addressProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const ResourceSchema = z.string().trim().superRefine((s, ctx) => {
  const problem = resourceProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const PolicyEntrySchema = z.object({
  resource: ResourceSchema,
  actions: z.array(ActionSchema).min(1, 'Give at least one action').max(ACTIONS.length),
  /** Empty: from any address. */
  sourceIps: z.array(AddressSchema).max(MAX_ADDRESSES).default([]),
  decision: upper(DECISIONS, 'The decision'),
});
export type PolicyEntry = z.infer<typeof PolicyEntrySchema>;

export const PolicySchema = z.object({
  policyType: upper(POLICY_TYPES, 'The policy type').default('CUSTOM'),
  entries: z.array(PolicyEntrySchema).max(MAX_ENTRIES),
});
export type Policy = z.infer<typeof PolicySchema>;

export const UsernameSchema = z.string().trim().regex(USERNAME_PATTERN, `The username must ${USERNAME_HINT}`);
export const PasswordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `The password needs at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `The password may have at most ${MAX_PASSWORD_LENGTH} characters`);

export const UserInputSchema = z.object({
  username: UsernameSchema,
  password: PasswordSchema,
  userType: upper(USER_TYPES, 'The user type').default('NORMAL'),
  userStatus: upper(USER_STATUSES, 'The user status').default('ENABLE'),
});
export type UserInput = z.infer<typeof UserInputSchema>;

/** A user as everyone but the signature check sees it: never the password. */
export interface AclUserView {
  username: string;
  userType: UserType;
  userStatus: UserStatus;
  createdAt: number;
  updatedAt: number;
}

const SubjectSchema = z.string().regex(/^User:[A-Za-z0-9_.@-]{1,64}$/, 'The subject is User:<username>');

/** Apache RocketMQ's ACL 2.0 JSON (users and acls), as the standalone broker's bootstrap file carries it. */
export const AclBootstrapSchema = z.object({
  users: z.array(UserInputSchema).default([]),
  acls: z.array(z.object({ subject: SubjectSchema, policies: z.array(PolicySchema) })).default([]),
});
export type AclBootstrap = z.infer<typeof AclBootstrapSchema>;

/** Messages per second, with the burst a bucket holds (default: one second's worth). */
export const RateLimitSchema = z.object({
  perSecond: z.number().int().positive('A limit is at least 1 message per second').max(10_000_000),
  burst: z.number().int().positive().max(100_000_000).optional(),
});
export type RateLimit = z.infer<typeof RateLimitSchema>;

export const RateLimitsSchema = z.object({
  send: RateLimitSchema.nullable().default(null),
  receive: RateLimitSchema.nullable().default(null),
  /** Per topic (stored name): sends to it. */
  topics: z.record(z.string(), RateLimitSchema).default({}),
  /** Per group (stored name): receives by it. */
  groups: z.record(z.string(), RateLimitSchema).default({}),
});
export type RateLimits = z.infer<typeof RateLimitsSchema>;

/** The instance's switches: both off by default, so an instance is open until its operator closes it. */
export const AclSettingsSchema = z.object({
  authentication: z.boolean().default(false),
  authorization: z.boolean().default(false),
  /** Empty: every address may connect. */
  allowIps: z.array(AddressSchema).max(MAX_ADDRESSES).default([]),
  /** Largest accepted distance between a request's x-mq-date-time and the broker's clock. */
  maxClockSkewMs: z.number().int().positive().max(7 * 24 * 3_600_000).default(15 * 60_000),
});
export type AclSettings = z.infer<typeof AclSettingsSchema>;

export const DEFAULT_CLOCK_SKEW_MS = 15 * 60_000;
