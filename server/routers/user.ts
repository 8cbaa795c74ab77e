import { z } from 'zod';
import { deleteUserSessions, hashPassword, isRole, sessionScopes } from '../auth.ts';
import type { Db } from '../db.ts';
import { passwordSchema, ROLES, usernameSchema, type Role } from '../schemas.ts';
import { ScopesSchema, storedScopes, type Scopes } from '../scope.ts';
import { adminProcedure, AppError, audits, router } from '../trpc.ts';
import { PageInput, paginate } from './paging.ts';

/** Users are named by username (unique, never renamed), which is also what their audit events name. */
const UserRef = z.object({ username: z.string().trim().min(1).max(64) });

async function findUser(db: Db, username: string) {
  const u = await db.consoleUser.findUnique({ where: { username } });
  if (!u) throw new AppError('USER_NOT_FOUND', 'NOT_FOUND', `No user "${username}"`, 'username');
  return u;
}

/** Admins manage instances and users everywhere, so a scope on one would be a fence they could lift themselves. */
function checkScopeFits(role: Role, scopes: Scopes): void {
  if (role === 'admin' && scopes !== null) {
    throw new AppError('ADMIN_SCOPED', 'BAD_REQUEST', 'Admins always have every instance; give the user the operator or viewer role to limit them to some', 'scopes');
  }
}

/** Every instance a scope names must exist: a scope on nothing would silently give no access. */
async function checkScopeInstances(db: Db, scopes: Scopes): Promise<void> {
  if (scopes === null) return;
  const ids = scopes.map((e) => e.instanceId);
  const found = await db.instance.findMany({ where: { id: { in: ids } }, select: { id: true } });
  const missing = ids.filter((id) => !found.some((f) => f.id === id));
  if (missing.length > 0) throw new AppError('INSTANCE_NOT_FOUND', 'NOT_FOUND', `No instance ${missing.join(', ')}; reload the instance list`, 'scopes');
}

function view(u: { id: string; username: string; role: string }) {
  return { id: u.id, username: u.username, role: u.role };
}

export const userRouter = router({
  /** Users with their role and scope (null: every instance and namespace). */
  list: adminProcedure.input(PageInput).query(async ({ ctx, input }) => {
    const users = await ctx.db.consoleUser.findMany({ select: { id: true, username: true, role: true, scopes: true, createdAt: true, lastLoginAt: true } });
    const rows = users.map(({ scopes, ...u }) => ({ ...u, scopes: isRole(u.role) ? sessionScopes({ username: u.username, role: u.role, scopes }) : [] }));
    return paginate(rows, input, (u) => `${u.username} ${u.role}`);
  }),

  create: adminProcedure
    .meta(audits('username'))
    .input(z.object({ username: usernameSchema, password: passwordSchema, role: z.enum(ROLES), scopes: ScopesSchema.default(null) }))
    .mutation(async ({ ctx, input }) => {
      checkScopeFits(input.role, input.scopes);
      if (await ctx.db.consoleUser.findUnique({ where: { username: input.username } })) {
        throw new AppError('USER_EXISTS', 'CONFLICT', `User "${input.username}" already exists`, 'username');
      }
      await checkScopeInstances(ctx.db, input.scopes);
      const u = await ctx.db.consoleUser.create({
        data: { username: input.username, role: input.role, scopes: storedScopes(input.scopes), passwordHash: await hashPassword(input.password) },
      });
      return view(u);
    }),

  /** Changes the role, the scope (null: every instance) or the password. */
  update: adminProcedure
    .meta(audits('username'))
    .input(UserRef.extend({ role: z.enum(ROLES).optional(), password: passwordSchema.optional(), scopes: ScopesSchema.optional() }))
    .mutation(async ({ ctx, input }) => {
      if (input.username === ctx.user.username && input.role && input.role !== 'admin') {
        throw new AppError('LAST_ADMIN', 'PRECONDITION_FAILED', 'You cannot remove your own admin role');
      }
      const current = await findUser(ctx.db, input.username);
      const role = input.role ?? (isRole(current.role) ? current.role : 'viewer');
      // Becoming admin drops a scope left from before; setting one on an admin is refused.
      if (input.scopes !== undefined) checkScopeFits(role, input.scopes);
      const scopes = role === 'admin' ? null : input.scopes;
      if (scopes !== undefined) await checkScopeInstances(ctx.db, scopes);
      const u = await ctx.db.consoleUser.update({
        where: { id: current.id },
        data: {
          ...(input.role ? { role: input.role } : {}),
          ...(scopes !== undefined ? { scopes: storedScopes(scopes) } : {}),
          ...(input.password ? { passwordHash: await hashPassword(input.password) } : {}),
        },
      });
      // A new password or role signs the user out everywhere; a scope applies from their next request (sessions read it).
      if (input.role || input.password) await deleteUserSessions(ctx.db, u.id);
      return view(u);
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
