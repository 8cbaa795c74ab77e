import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { BrokerError, type BrokerErrorCode } from './broker/errors.ts';
import { recordAudit } from './audit.ts';
import type { Role, SessionUser } from './auth.ts';
import type { Db } from './db.ts';
import type { Runtime } from './runtime.ts';

/** The part of the context tests build directly (no HTTP): database, runtime, user. */
export interface InnerContext {
  db: Db;
  runtime: Runtime;
  user: SessionUser | null;
  ip: string;
  /** Session token from the cookie, when there is one (logout deletes it). */
  sessionToken?: string;
  /** Set by the login procedure; the HTTP handler turns it into a Set-Cookie header. */
  setCookie?: (value: string | null) => void;
}

const BROKER_TO_TRPC: Partial<Record<BrokerErrorCode, TRPCError['code']>> = {
  INVALID_NAME: 'BAD_REQUEST',
  INVALID_ARGUMENT: 'BAD_REQUEST',
  TOPIC_EXISTS: 'CONFLICT',
  GROUP_EXISTS: 'CONFLICT',
  NAMESPACE_EXISTS: 'CONFLICT',
  NAMESPACE_NOT_EMPTY: 'PRECONDITION_FAILED',
  TOPIC_NOT_FOUND: 'NOT_FOUND',
  GROUP_NOT_FOUND: 'NOT_FOUND',
  NAMESPACE_NOT_FOUND: 'NOT_FOUND',
  MESSAGE_NOT_FOUND: 'NOT_FOUND',
  PERMISSION_DENIED: 'FORBIDDEN',
};

/** Errors carry a stable application code (`appCode`) the UI shows and tests assert. */
export class AppError extends TRPCError {
  constructor(
    readonly appCode: string,
    code: TRPCError['code'],
    message: string,
    readonly field?: string,
  ) {
    super({ code, message });
  }
}

const t = initTRPC.context<InnerContext>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const app = error instanceof AppError ? error : undefined;
    return {
      ...shape,
      data: {
        ...shape.data,
        appCode: app?.appCode ?? (cause instanceof BrokerError ? cause.code : error.code),
        field: app?.field ?? (cause instanceof BrokerError && typeof cause.details.field === 'string' ? cause.details.field : undefined),
        zodIssues: cause instanceof ZodError ? cause.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) : undefined,
      },
    };
  },
});

/** Engine errors become typed tRPC errors with their stable code kept. */
const mapErrors = t.middleware(async ({ next }) => {
  const res = await next();
  if (!res.ok && res.error.cause instanceof BrokerError) {
    const cause = res.error.cause;
    throw new TRPCError({ code: BROKER_TO_TRPC[cause.code] ?? 'INTERNAL_SERVER_ERROR', message: cause.message, cause });
  }
  return res;
});

/** Every mutation leaves an audit event: who, what, on which target, the input (secrets stripped), the result. */
const auditMutations = t.middleware(async ({ ctx, type, path, getRawInput, next }) => {
  const res = await next();
  if (type !== 'mutation') return res;
  const input = await getRawInput().catch(() => undefined);
  const fields = (input ?? {}) as { name?: unknown; username?: unknown; instanceId?: unknown; group?: unknown };
  const target = [fields.instanceId, fields.name ?? fields.group ?? fields.username].filter((x) => typeof x === 'string').join('/');
  const error = res.ok ? undefined : res.error;
  await recordAudit(ctx.db, {
    actor: ctx.user?.username ?? (typeof fields.username === 'string' ? fields.username : 'anonymous'),
    actorId: ctx.user?.id ?? null,
    action: path,
    target,
    input,
    result: res.ok ? 'ok' : 'error',
    errorCode: error ? (error instanceof AppError ? error.appCode : error.cause instanceof BrokerError ? error.cause.code : error.code) : null,
    instanceId: typeof fields.instanceId === 'string' ? fields.instanceId : null,
  });
  return res;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(auditMutations).use(mapErrors);

const ROLE_RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

function requireRole(min: Role) {
  return t.middleware(({ ctx, next }) => {
    if (!ctx.user) throw new AppError('UNAUTHENTICATED', 'UNAUTHORIZED', 'Sign in to continue');
    if (ROLE_RANK[ctx.user.role] < ROLE_RANK[min]) {
      throw new AppError('FORBIDDEN', 'FORBIDDEN', `This action needs the ${min} role; you are ${ctx.user.role}`);
    }
    return next({ ctx: { ...ctx, user: ctx.user } });
  });
}

/** Any signed-in user (viewers read). */
export const viewerProcedure = publicProcedure.use(requireRole('viewer'));
/** Operators and admins change data-plane resources. */
export const operatorProcedure = publicProcedure.use(requireRole('operator'));
/** Only admins manage users and instances. */
export const adminProcedure = publicProcedure.use(requireRole('admin'));
