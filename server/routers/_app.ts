import { router } from '../trpc.ts';
import { topicRouter } from './topic.ts';

/** The console API: one router per domain (instance, namespace, group, ... join as they are built). */
export const appRouter = router({
  topic: topicRouter,
});

export type AppRouter = typeof appRouter;
