import { z } from 'zod';
import { HistoryStore } from '../metrics-history/store.ts';
import { CHART_RANGES, type ChartRange } from '../metrics-history/ranges.ts';
import { AppError, router, viewerProcedure } from '../trpc.ts';

const Range = z.enum(Object.keys(CHART_RANGES) as [ChartRange, ...ChartRange[]]);

/** The console's own metric history (server/metrics-history), downsampled for charts. */
export const metricsRouter = router({
  /** One instance's, topic's or group's series over a range: at most 240 points, 10-s or 5-min resolution. */
  history: viewerProcedure
    .input(z.object({ instanceId: z.string().min(1), kind: z.enum(['instance', 'topic', 'group']), name: z.string().max(255).default(''), range: Range }))
    .query(async ({ ctx, input }) => {
      const scope = ctx.scope.on(input.instanceId);
      if (input.kind !== 'instance') scope.requireName(input.name);
      const instance = await ctx.db.instance.findUnique({ where: { id: input.instanceId }, select: { id: true } });
      if (!instance) throw new AppError('INSTANCE_NOT_FOUND', 'NOT_FOUND', `Instance ${input.instanceId} is not known`);
      const now = Date.now();
      return new HistoryStore(ctx.db).chart({ instanceId: input.instanceId, kind: input.kind, name: input.kind === 'instance' ? '' : input.name }, now - CHART_RANGES[input.range], now, now);
    }),

  /** Every instance's own series over a range, for the overview's charts. */
  overview: viewerProcedure.input(z.object({ range: Range })).query(async ({ ctx, input }) => {
    const instances = await ctx.db.instance.findMany({ where: ctx.scope.where('id'), select: { id: true, name: true }, orderBy: { name: 'asc' } });
    const now = Date.now();
    const store = new HistoryStore(ctx.db);
    return Promise.all(instances.map(async (i) => ({ ...i, series: await store.chart({ instanceId: i.id, kind: 'instance', name: '' }, now - CHART_RANGES[input.range], now, now) })));
  }),
});
