import { z } from 'zod';
import { configFromInput, parseChannel, redactChannel } from '../alerts/channel-config.ts';
import { sendTestNotification } from '../alerts/delivery-worker.ts';
import type { AlertPayload } from '../alerts/notify.ts';
import type { Db } from '../db.ts';
import type { AlertDelivery, NotificationChannel } from '../generated/prisma/client.ts';
import { channelNameSchema, channelTargetSchema } from '../schemas.ts';
import { adminProcedure, AppError, audits, operatorProcedure, router, viewerProcedure } from '../trpc.ts';

/** Channels are few (a team's webhooks and lists); past this many, rules become hard to read anyway. */
export const MAX_CHANNELS = 100;
/** Recent deliveries the list shows per channel: enough to see a failure pattern at a glance. */
export const RECENT_DELIVERIES = 10;

const ChannelRef = z.object({ name: z.string().trim().min(1).max(64) });
const ChannelInput = z.object({ name: channelNameSchema, enabled: z.boolean().default(true), target: channelTargetSchema });

async function channelNamed(db: Db, name: string): Promise<NotificationChannel> {
  const row = await db.notificationChannel.findUnique({ where: { name } });
  if (!row) throw new AppError('CHANNEL_NOT_FOUND', 'NOT_FOUND', `No notification channel "${name}"`, 'name');
  return row;
}

async function ensureNameFree(db: Db, name: string, exceptId?: string): Promise<void> {
  const other = await db.notificationChannel.findUnique({ where: { name }, select: { id: true } });
  if (other && other.id !== exceptId) throw new AppError('CHANNEL_NAME_TAKEN', 'CONFLICT', `A channel named "${name}" already exists`, 'name');
}

/** A delivery as the channel's page lists it (its payload stays on the server: the page shows outcomes). */
function deliveryView(d: AlertDelivery) {
  return {
    id: d.id,
    kind: d.kind,
    state: d.state,
    attempts: d.attempts,
    lastError: d.lastError,
    createdAt: d.createdAt.getTime(),
    sentAt: d.sentAt?.getTime() ?? null,
    nextAt: d.state === 'pending' ? d.nextAt.getTime() : null,
  };
}

function testPayload(channelName: string, actor: string): AlertPayload {
  return { kind: 'test', ruleName: 'Test notification', severity: 'info', message: `Test notification from Meridian on channel ${channelName}, sent by ${actor}`, firedAt: new Date().toISOString() };
}

export const alertChannelRouter = router({
  /** Every channel, redacted, with its latest deliveries (newest first). */
  list: viewerProcedure.query(async ({ ctx }) => {
    const rows = await ctx.db.notificationChannel.findMany({
      orderBy: { name: 'asc' },
      take: MAX_CHANNELS,
      include: { deliveries: { orderBy: { createdAt: 'desc' }, take: RECENT_DELIVERIES } },
    });
    return rows.map(({ deliveries, ...row }) => ({ ...redactChannel(row), deliveries: deliveries.map(deliveryView) }));
  }),

  create: adminProcedure
    .meta(audits('name'))
    .input(ChannelInput)
    .mutation(async ({ ctx, input }) => {
      await ensureNameFree(ctx.db, input.name);
      if ((await ctx.db.notificationChannel.count()) >= MAX_CHANNELS) {
        throw new AppError('CHANNEL_LIMIT', 'PRECONDITION_FAILED', `At most ${MAX_CHANNELS} channels; delete one you no longer use`);
      }
      const row = await ctx.db.notificationChannel.create({ data: { name: input.name, enabled: input.enabled, createdBy: ctx.user.username, ...configFromInput(input.target) } });
      return redactChannel(row);
    }),

  /** Replaces a channel's name, state and target; a secret or password left out is kept. */
  update: adminProcedure
    .meta(audits('name'))
    .input(ChannelInput.extend({ id: z.string().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => {
      const current = await ctx.db.notificationChannel.findUnique({ where: { id: input.id } });
      if (!current) throw new AppError('CHANNEL_NOT_FOUND', 'NOT_FOUND', 'The channel no longer exists; reload the list');
      await ensureNameFree(ctx.db, input.name, current.id);
      const config = configFromInput(input.target, parseChannel(current));
      const row = await ctx.db.notificationChannel.update({ where: { id: current.id }, data: { name: input.name, enabled: input.enabled, ...config } });
      return redactChannel(row);
    }),

  delete: adminProcedure
    .meta(audits('name'))
    .input(ChannelRef)
    .mutation(async ({ ctx, input }) => {
      const row = await channelNamed(ctx.db, input.name);
      // Its queued and past deliveries go with it (onDelete: Cascade).
      await ctx.db.notificationChannel.delete({ where: { id: row.id } });
      return { deleted: row.name };
    }),

  /** Sends a test notification now, once (disabled channels too: that is how one checks before enabling). */
  sendTest: operatorProcedure
    .meta(audits('name'))
    .input(ChannelRef)
    .mutation(async ({ ctx, input }) => {
      const row = await channelNamed(ctx.db, input.name);
      const outcome = await sendTestNotification(ctx.db, row.id, testPayload(row.name, ctx.user.username));
      return { delivered: outcome.state === 'sent', error: outcome.error, deliveryId: outcome.deliveryId };
    }),
});
