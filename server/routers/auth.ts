import { z } from 'zod';
import { AuthError, deleteSession, login, LoginRateLimiter } from '../auth.ts';
import { MAX_PASSWORD_LENGTH } from '../schemas.ts';
import { AppError, audits, publicProcedure, router, viewerProcedure } from '../trpc.ts';

/** One limiter per console node (kept across dev reloads). */
const KEY = Symbol.for('meridian.loginLimiter');
function limiter(): LoginRateLimiter {
  const g = globalThis as typeof globalThis & { [KEY]?: LoginRateLimiter };
  g[KEY] ??= new LoginRateLimiter();
  return g[KEY];
}

export const authRouter = router({
  login: publicProcedure
    .meta({ audit: { target: ['username'], actor: 'username' } })
    .input(z.object({ username: z.string().trim().min(1, 'Enter your username').max(100), password: z.string().min(1, 'Enter your password').max(MAX_PASSWORD_LENGTH) }))
    .mutation(async ({ ctx, input }) => {
      try {
        const res = await login(ctx.db, limiter(), { ...input, ip: ctx.ip });
        ctx.setCookie?.(res.token);
        return { user: res.user };
      } catch (e) {
        if (e instanceof AuthError) {
          throw new AppError(e.code, e.code === 'RATE_LIMITED' ? 'TOO_MANY_REQUESTS' : 'UNAUTHORIZED', e.message);
        }
        throw e;
      }
    }),

  logout: publicProcedure
    .meta(audits())
    .mutation(async ({ ctx }) => {
      if (ctx.sessionToken) await deleteSession(ctx.db, ctx.sessionToken);
      ctx.setCookie?.(null);
      return { ok: true };
    }),

  /** Who is signed in, with their scope (null: every instance and namespace). */
  me: viewerProcedure.query(({ ctx }) => ({ id: ctx.user.id, username: ctx.user.username, role: ctx.user.role, scopes: ctx.user.scopes })),
});
