import { z } from 'zod';
import type { Instance } from '../db.ts';
import { CHECK_LABELS, failureCode } from '../prober/model.ts';
import { checkHistories, STRIP_BUCKET_MS, STRIP_BUCKETS } from '../prober/results.ts';
import { AppError, audits, operatorProcedure, router, viewerProcedure, type InnerContext } from '../trpc.ts';

/** The prober's interval bounds: 10 s is a round's worst case with room to spare; an hour still catches a day's outages. */
export const MIN_PROBER_INTERVAL_SEC = 10;
export const MAX_PROBER_INTERVAL_SEC = 3600;

/** The overview's bound: each instance reads a day of rows, so a console with more shows the first ones only. */
const MAX_OVERVIEW_INSTANCES = 50;

const SetProberInput = z.object({
  instanceId: z.string().min(1),
  enabled: z.boolean(),
  intervalSec: z.number().int().min(MIN_PROBER_INTERVAL_SEC).max(MAX_PROBER_INTERVAL_SEC).optional(),
});

/** One instance's prober as the Health page shows it: the switch, and each check's last result and day. */
async function instanceHealth(ctx: Pick<InnerContext, 'db' | 'runtime'>, i: Instance, now: number) {
  const histories = await checkHistories(ctx.db, i.id, now);
  return {
    id: i.id,
    name: i.name,
    region: i.region,
    status: ctx.runtime.get(i.id)?.status ?? 'stopped',
    proberEnabled: i.proberEnabled,
    proberIntervalSec: i.proberIntervalSec,
    checks: histories.map((h) => ({
      ...h,
      ...CHECK_LABELS[h.check],
      last: h.last ? { ...h.last, code: failureCode(h.last.error) ?? null } : null,
    })),
  };
}

export const healthRouter = router({
  /** Every embedded instance's prober: on or off, its interval, and per check the last result and a 24 h strip. */
  overview: viewerProcedure.query(async ({ ctx }) => {
    const now = Date.now();
    const instances = await ctx.db.instance.findMany({ where: { kind: 'embedded', ...ctx.scope.where('id') }, orderBy: { createdAt: 'asc' }, take: MAX_OVERVIEW_INSTANCES });
    return {
      now,
      bucketMs: STRIP_BUCKET_MS,
      buckets: STRIP_BUCKETS,
      intervalBounds: { min: MIN_PROBER_INTERVAL_SEC, max: MAX_PROBER_INTERVAL_SEC },
      instances: await Promise.all(instances.map((i) => instanceHealth(ctx, i, now))),
    };
  }),

  /** Turns an instance's prober on or off and sets its interval; the next round starts within seconds. */
  setProber: operatorProcedure
    .meta(audits('instanceId'))
    .input(SetProberInput)
    .mutation(async ({ ctx, input }) => {
      // The prober probes the whole instance: a scope on some of its namespaces does not reach it.
      ctx.scope.on(input.instanceId).requireWhole();
      const i = await ctx.db.instance.findUnique({ where: { id: input.instanceId } });
      if (!i) throw new AppError('INSTANCE_NOT_FOUND', 'NOT_FOUND', 'No such instance');
      if (i.kind !== 'embedded') throw new AppError('PROBER_UNSUPPORTED', 'PRECONDITION_FAILED', `Instance "${i.name}" is ${i.kind}; the prober runs for embedded instances`);
      const updated = await ctx.db.instance.update({
        where: { id: i.id },
        data: { proberEnabled: input.enabled, ...(input.intervalSec !== undefined ? { proberIntervalSec: input.intervalSec } : {}) },
      });
      return { instanceId: updated.id, proberEnabled: updated.proberEnabled, proberIntervalSec: updated.proberIntervalSec };
    }),
});
