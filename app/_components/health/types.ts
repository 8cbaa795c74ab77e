import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../../server/routers/_app.ts';

export type HealthOverview = inferRouterOutputs<AppRouter>['health']['overview'];
export type InstanceHealth = HealthOverview['instances'][number];
export type CheckHealth = InstanceHealth['checks'][number];
export type StripCell = CheckHealth['strip'][number];
