import { router } from '../trpc.ts';
import { aclRouter } from './acl.ts';
import { alertRouter } from './alert.ts';
import { alertChannelRouter } from './alert-channel.ts';
import { auditRouter } from './audit.ts';
import { authRouter } from './auth.ts';
import { clientRouter } from './client.ts';
import { deadLetterRouter } from './dead-letter.ts';
import { groupRouter } from './group.ts';
import { healthRouter } from './health.ts';
import { instanceRouter } from './instance.ts';
import { jobRouter } from './job.ts';
import { messageRouter } from './message.ts';
import { metricsRouter } from './metrics.ts';
import { namespaceRouter } from './namespace.ts';
import { topicRouter } from './topic.ts';
import { userRouter } from './user.ts';

/** The console API: one router per domain. */
export const appRouter = router({
  auth: authRouter,
  instance: instanceRouter,
  namespace: namespaceRouter,
  topic: topicRouter,
  group: groupRouter,
  client: clientRouter,
  message: messageRouter,
  deadLetter: deadLetterRouter,
  job: jobRouter,
  user: userRouter,
  audit: auditRouter,
  alert: alertRouter,
  alertChannel: alertChannelRouter,
  health: healthRouter,
  metrics: metricsRouter,
  acl: aclRouter,
});

export type AppRouter = typeof appRouter;
