import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { db } from '../../../../server/db.ts';
import { contextFromRequest, sessionCookie, trustedProxyHops } from '../../../../server/http-context.ts';
import { appRouter } from '../../../../server/routers/_app.ts';
import { runtime } from '../../../../server/runtime.ts';

const proxyHops = trustedProxyHops();

async function handler(req: Request): Promise<Response> {
  let cookie: string | undefined;
  const ctx = await contextFromRequest(req, { db: db(), runtime: runtime(), proxyHops });
  ctx.setCookie = (token) => {
    cookie = sessionCookie(token, req);
  };
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext: () => ctx,
    responseMeta: () => (cookie ? { headers: new Headers([['set-cookie', cookie]]) } : {}),
  });
}

export { handler as GET, handler as POST };
