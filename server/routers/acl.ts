import { z } from 'zod';
import type { BrokerAdmin } from '../broker-admin.ts';
import {
  ACTIONS,
  AddressSchema,
  AclSettingsSchema,
  MAX_ADDRESSES,
  MAX_GROUP_LENGTH,
  MAX_TOPIC_LENGTH,
  PasswordSchema,
  PolicySchema,
  RateLimitSchema,
  USER_STATUSES,
  USER_TYPES,
  UsernameSchema,
  type AclUserView,
} from '../broker/index.ts';
import { audits, instanceProcedure, router } from '../trpc.ts';
import { PageInput, paginate } from './paging.ts';

const UserRef = z.object({ username: UsernameSchema });

/** Per-topic and per-group limits by stored name; at most this many each, far above real use. */
const MAX_SCOPED_LIMITS = 1000;
const limitMap = (maxName: number) =>
  z
    .record(z.string().min(1).max(maxName), RateLimitSchema)
    .refine((m) => Object.keys(m).length <= MAX_SCOPED_LIMITS, `At most ${MAX_SCOPED_LIMITS} limits`);

/**
 * Whether turning authorization on leaves anyone able to do anything: an enabled SUPER user, or an enabled
 * user with at least one ALLOW entry. The console warns before it locks every client out.
 */
async function someoneAllowed(admin: BrokerAdmin, users: readonly AclUserView[]): Promise<boolean> {
  const enabled = users.filter((u) => u.userStatus === 'ENABLE');
  if (enabled.some((u) => u.userType === 'SUPER')) return true;
  const policies = await Promise.all(enabled.map((u) => admin.aclPolicies(u.username)));
  return policies.some((ps) => ps.some((p) => p.entries.some((e) => e.decision === 'ALLOW')));
}

export const aclRouter = router({
  /** The switches and allow-list, and whether any user could reach anything once authorization is on. */
  settings: instanceProcedure('operator').query(async ({ ctx }) => {
    const [settings, users] = await Promise.all([ctx.admin.aclSettings(), ctx.admin.aclUsers()]);
    return { settings, users: users.length, someoneAllowed: await someoneAllowed(ctx.admin, users) };
  }),

  updateSettings: instanceProcedure('admin')
    .meta(audits('instanceId'))
    .input(
      z.object({
        authentication: z.boolean().optional(),
        authorization: z.boolean().optional(),
        allowIps: z.array(AddressSchema).max(MAX_ADDRESSES).optional(),
        maxClockSkewMs: AclSettingsSchema.shape.maxClockSkewMs.unwrap().optional(),
      }),
    )
    .mutation(({ ctx, input: { instanceId: _instance, ...patch } }) => ctx.admin.updateAclSettings(patch)),

  /** Users without their passwords, paged like every list. */
  users: instanceProcedure('operator')
    .input(PageInput)
    .query(async ({ ctx, input }) => paginate(await ctx.admin.aclUsers(), input, (u) => `${u.username} ${u.userType} ${u.userStatus}`)),

  /** The one answer that holds the password (given or generated): it is shown once and never again. */
  createUser: instanceProcedure('admin')
    .meta(audits('instanceId', 'username'))
    .input(UserRef.extend({ password: PasswordSchema.optional(), userType: z.enum(USER_TYPES).default('NORMAL'), userStatus: z.enum(USER_STATUSES).default('ENABLE') }))
    .mutation(({ ctx, input }) => ctx.admin.createAclUser({ username: input.username, userType: input.userType, userStatus: input.userStatus, ...(input.password ? { password: input.password } : {}) })),

  updateUser: instanceProcedure('admin')
    .meta(audits('instanceId', 'username'))
    .input(UserRef.extend({ userType: z.enum(USER_TYPES).optional(), userStatus: z.enum(USER_STATUSES).optional() }))
    .mutation(({ ctx, input }) => ctx.admin.updateAclUser(input.username, { ...(input.userType ? { userType: input.userType } : {}), ...(input.userStatus ? { userStatus: input.userStatus } : {}) })),

  /** A new password (given or generated), answered once. */
  resetPassword: instanceProcedure('admin')
    .meta(audits('instanceId', 'username'))
    .input(UserRef.extend({ password: PasswordSchema.optional() }))
    .mutation(({ ctx, input }) => ctx.admin.resetAclPassword(input.username, input.password)),

  deleteUser: instanceProcedure('admin')
    .meta(audits('instanceId', 'username'))
    .input(UserRef)
    .mutation(({ ctx, input }) => ctx.admin.deleteAclUser(input.username)),

  policies: instanceProcedure('operator')
    .input(UserRef)
    .query(({ ctx, input }) => ctx.admin.aclPolicies(input.username)),

  /** Replaces the user's policy of that type; no entries removes it. */
  setPolicy: instanceProcedure('admin')
    .meta(audits('instanceId', 'username'))
    .input(UserRef.extend({ policy: PolicySchema }))
    .mutation(({ ctx, input }) => ctx.admin.setAclPolicy(input.username, input.policy)),

  /** The real evaluator's answer (also while authorization is off), with the entry that decided. */
  check: instanceProcedure('operator')
    .input(
      z.object({
        username: UsernameSchema,
        type: z.enum(['Topic', 'Group']),
        name: z.string().trim().min(1, 'Name a topic or group').max(Math.max(MAX_TOPIC_LENGTH, MAX_GROUP_LENGTH)),
        action: z.enum(ACTIONS),
        ip: AddressSchema,
      }),
    )
    .query(async ({ ctx, input }) => {
      const [decision, settings] = await Promise.all([ctx.admin.checkAccess(input), ctx.admin.aclSettings()]);
      return { decision, authorization: settings.authorization };
    }),

  /** Every limit with its usage; the instance-wide ones come from the instance spec (its settings page). */
  limits: instanceProcedure('operator').query(async ({ ctx }) => ({ ...(await ctx.admin.aclLimits()), spec: { maxTps: ctx.instance.maxTps, maxReceiveTps: ctx.instance.maxReceiveTps } })),

  setLimits: instanceProcedure('admin')
    .meta(audits('instanceId'))
    .input(z.object({ topics: limitMap(MAX_TOPIC_LENGTH), groups: limitMap(MAX_GROUP_LENGTH) }))
    .mutation(({ ctx, input }) => ctx.admin.setAclLimits({ topics: input.topics, groups: input.groups })),

  /** Refusals since the instance started, by reason. */
  denials: instanceProcedure('operator').query(({ ctx }) => ctx.admin.aclDenials()),
});
