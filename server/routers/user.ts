import { z } from 'zod';
import { deleteUserSessions, hashPassword } from '../auth.ts';
import type { Db } from '../db.ts';
import { passwordSchema, ROLES, usernameSchema } from '../schemas.ts';
import { adminProcedure, AppError, audits, router } from '../trpc.ts';
import { PageInput, paginate } from './paging.ts';

/** Users are named by username (unique, never renamed), which is also what their audit events name. */
const UserRef = z.object({ username: z.string().trim().min(1).max(64) });

async function findUser(db: Db, username: string) {
  const u = await db.consoleUser.findUnique({ where: { username } });
  if (!u) throw new AppError('USER_NOT_FOUND', 'NOT_FOUND', `No user "${username}"`, 'username');
  return u;
}

export const userRouter = router({
  list: adminProcedure.input(PageInput).query(async ({ ctx, input }) => {
    const users = await ctx.db.consoleUser.findMany({ select: { id: true, username: true, role: true, createdAt: true, lastLoginAt: true } });
    return paginate(users, input, (u) => `${u.username} ${u.role}`);
  }),

  create: adminProcedure
    .meta(audits('username'))
    .input(z.object({ username: usernameSchema, password: passwordSchema, role: z.enum(ROLES) }))
    .mutation(async ({ ctx, input }) => {
      if (await ctx.db.consoleUser.findUnique({ where: { username: input.username } })) {
        throw new AppError('USER_EXISTS', 'CONFLICT', `User "${input.username}" already exists`, 'username');
      }
      const u = await ctx.db.consoleUser.create({ data: { username: input.username, role: input.role, passwordHash: await hashPassword(input.password) } });
      return { id: u.id, username: u.username, role: u.role };
    }),

  update: adminProcedure
    .meta(audits('username'))
    .input(UserRef.extend({ role: z.enum(ROLES).optional(), password: passwordSchema.optional() }))
    .mutation(async ({ ctx, input }) => {
      if (input.username === ctx.user.username && input.role && input.role !== 'admin') {
        throw new AppError('LAST_ADMIN', 'PRECONDITION_FAILED', 'You cannot remove your own admin role');
      }
      const { id } = await findUser(ctx.db, input.username);
      const u = await ctx.db.consoleUser.update({
        where: { id },
        data: { ...(input.role ? { role: input.role } : {}), ...(input.password ? { passwordHash: await hashPassword(input.password) } : {}) },
      });
      // A new password or role signs the user out everywhere.
      await deleteUserSessions(ctx.db, u.id);
      return { id: u.id, username: u.username, role: u.role };
    }),

  delete: adminProcedure
    .meta(audits('username'))
    .input(UserRef)
    .mutation(async ({ ctx, input }) => {
      if (input.username === ctx.user.username) throw new AppError('SELF_DELETE', 'PRECONDITION_FAILED', 'You cannot delete yourself');
      const { id } = await findUser(ctx.db, input.username);
      await ctx.db.consoleUser.delete({ where: { id } });
      return { deleted: input.username };
    }),
});
