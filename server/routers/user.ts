import { z } from 'zod';
import { deleteUserSessions, hashPassword, MIN_PASSWORD_LENGTH, ROLES } from '../auth.ts';
import { adminProcedure, AppError, router } from '../trpc.ts';
import { PageInput, paginate } from './paging.ts';

const Password = z.string().min(MIN_PASSWORD_LENGTH, `At least ${MIN_PASSWORD_LENGTH} characters`).max(500);

export const userRouter = router({
  list: adminProcedure.input(PageInput).query(async ({ ctx, input }) => {
    const users = await ctx.db.consoleUser.findMany({ select: { id: true, username: true, role: true, createdAt: true, lastLoginAt: true } });
    return paginate(users, input, (u) => `${u.username} ${u.role}`);
  }),

  create: adminProcedure
    .input(z.object({ username: z.string().trim().regex(/^[a-zA-Z0-9._-]{2,64}$/, 'Use 2-64 letters, digits, ".", "_" or "-"'), password: Password, role: z.enum(ROLES) }))
    .mutation(async ({ ctx, input }) => {
      if (await ctx.db.consoleUser.findUnique({ where: { username: input.username } })) {
        throw new AppError('USER_EXISTS', 'CONFLICT', `User "${input.username}" already exists`, 'username');
      }
      const u = await ctx.db.consoleUser.create({ data: { username: input.username, role: input.role, passwordHash: await hashPassword(input.password) } });
      return { id: u.id, username: u.username, role: u.role };
    }),

  update: adminProcedure
    .input(z.object({ id: z.string().min(1), role: z.enum(ROLES).optional(), password: Password.optional() }))
    .mutation(async ({ ctx, input }) => {
      if (input.id === ctx.user.id && input.role && input.role !== 'admin') {
        throw new AppError('LAST_ADMIN', 'PRECONDITION_FAILED', 'You cannot remove your own admin role');
      }
      const u = await ctx.db.consoleUser.update({
        where: { id: input.id },
        data: { ...(input.role ? { role: input.role } : {}), ...(input.password ? { passwordHash: await hashPassword(input.password) } : {}) },
      });
      // A new password or role signs the user out everywhere.
      await deleteUserSessions(ctx.db, u.id);
      return { id: u.id, username: u.username, role: u.role };
    }),

  delete: adminProcedure.input(z.object({ id: z.string().min(1) })).mutation(async ({ ctx, input }) => {
    if (input.id === ctx.user.id) throw new AppError('SELF_DELETE', 'PRECONDITION_FAILED', 'You cannot delete yourself');
    await ctx.db.consoleUser.delete({ where: { id: input.id } });
    return { deleted: input.id };
  }),
});
