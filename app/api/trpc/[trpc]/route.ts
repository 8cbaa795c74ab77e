import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { db } from '../../../../server/db.ts';
import { contextFromRequest } from '../../../../server/http-context.ts';
import { appRouter } from '../../../../server/routers/_app.ts';
import { runtime } from '../../../../server/runtime.ts';

function handler(req: Request): Promise<Response> {
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext: () => contextFromRequest(req, { db: db(), runtime: runtime() }),
  });
}

export { handler as GET, handler as POST };
