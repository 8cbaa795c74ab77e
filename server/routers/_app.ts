import { router } from '../trpc.ts';
import { authRouter } from './auth.ts';
import { instanceRouter } from './instance.ts';
import { topicRouter } from './topic.ts';

/** The console API: one router per domain (instance, namespace, group, ... join as they are built). */
export const appRouter = router({
  auth: authRouter,
  instance: instanceRouter,
  topic: topicRouter,
});

export type AppRouter = typeof appRouter;
