import { initTRPC, TRPCError } from '@trpc/server';
import { z, ZodError } from 'zod';
import { recordAudit } from './audit.ts';
import type { SessionUser } from './auth.ts';
import { ERROR_SURFACES, type BrokerErrorCode } from './broker/index.ts';
import { embeddedAdmin, type BrokerAdmin } from './broker-admin.ts';
import type { Db } from './db.ts';
import type { InstanceSpec, Runtime } from './runtime.ts';
import type { Role } from './schemas.ts';
import { ConsoleScope, InstanceScope, ScopeError } from './scope.ts';

// ---------------------------------------------------------------------------
// Context

/** The part of the context tests build directly (no HTTP): database, runtime, user. */
export interface InnerContext {
  db: Db;
  runtime: Runtime;
  user: SessionUser | null;
  /** The caller's address, or null when it cannot be known (no trusted proxy in front of the console). */
  ip: string | null;
  /** Session token from the cookie, when there is one (logout deletes it). */
  sessionToken?: string;
  /** Set by the login procedure; the HTTP handler turns it into a Set-Cookie header. */
  setCookie?: (value: string | null) => void;
}

/** What a mutation's audit event names, declared beside the procedure with `.meta({ audit: … })`. */
export interface AuditMeta {
  /**
   * Input fields naming what the mutation acts on, joined with '/' (['instanceId', 'name'] → 'inst/orders');
   * fields the input leaves out are skipped.
   */
  target: readonly string[];
  /** For callers not signed in (login): the input field naming who they claim to be. */
  actor?: string;
}

export interface ProcedureMeta {
  audit?: AuditMeta;
}

/** `.meta(audits('instanceId', 'name'))`: this mutation's audit event names what these input fields hold. */
export function audits(...target: string[]): ProcedureMeta {
  return { audit: { target } };
}

// ---------------------------------------------------------------------------
// Errors

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

interface EngineError extends Error {
  code: BrokerErrorCode;
  details: Record<string, unknown>;
}

/**
 * An engine error, recognised by shape rather than `instanceof`: the console's bundles (Next's server bundle
 * and instrumentation's) may each hold a copy of the BrokerError class, and instanceof knows only its own.
 */
export function asEngineError(e: unknown): EngineError | undefined {
  if (!(e instanceof Error) || e.name !== 'BrokerError') return undefined;
  const { code, details } = e as { code?: unknown; details?: unknown };
  const known = typeof code === 'string' && Object.hasOwn(ERROR_SURFACES, code);
  return known && typeof details === 'object' && details !== null ? (e as EngineError) : undefined;
}

/** The stable code of a failure: the console's own, else the engine's, else tRPC's. */
export function appCodeOf(error: TRPCError): string {
  return error instanceof AppError ? error.appCode : (asEngineError(error.cause)?.code ?? error.code);
}

function fieldOf(error: TRPCError): string | undefined {
  if (error instanceof AppError) return error.field;
  if (error.cause instanceof ZodError) return error.cause.issues[0]?.path.join('.');
  const field = asEngineError(error.cause)?.details.field;
  return typeof field === 'string' ? field : undefined;
}

/** A field's path as words for a sentence: ['deliverAt'] → 'Deliver at', ['keys', 0] → 'Keys #1'. */
function fieldLabel(path: readonly PropertyKey[]): string {
  const words = path.map((p) => (typeof p === 'number' ? `#${p + 1}` : String(p).replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase())).join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * The first problem of an input as one plain sentence for a toast (zod's own message is its issues as JSON);
 * the issues themselves stay in `zodIssues` for the fields.
 */
export function zodSentence(error: ZodError): string {
  const [first, ...rest] = error.issues;
  if (!first) return 'The request is not valid';
  const label = fieldLabel(first.path);
  const sentence = label ? `${label}: ${first.message}` : first.message;
  return rest.length === 0 ? sentence : `${sentence} (and ${rest.length} more ${rest.length === 1 ? 'problem' : 'problems'})`;
}

// ---------------------------------------------------------------------------
// Init

const t = initTRPC
  .context<InnerContext>()
  .meta<ProcedureMeta>()
  .create({
    errorFormatter({ shape, error }) {
      const cause = error.cause;
      return {
        ...shape,
        message: cause instanceof ZodError ? zodSentence(cause) : shape.message,
        data: {
          ...shape.data,
          appCode: appCodeOf(error),
          field: fieldOf(error),
          zodIssues: cause instanceof ZodError ? cause.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) : undefined,
        },
      };
    },
  });

/**
 * Control-plane writes the checks before them cannot rule out: another console node (or request) created or
 * deleted the same row in between. Prisma's codes, recognised by shape like the engine's errors.
 */
const RACE_SURFACES = {
  P2002: { appCode: 'ALREADY_EXISTS', code: 'CONFLICT', message: 'It was created at the same moment by another request; reload and try again' },
  P2025: { appCode: 'NOT_FOUND', code: 'NOT_FOUND', message: 'It was removed at the same moment by another request; reload to see the current state' },
} as const;

function asRace(e: unknown): (typeof RACE_SURFACES)[keyof typeof RACE_SURFACES] | undefined {
  const code = e instanceof Error && e.name === 'PrismaClientKnownRequestError' ? (e as { code?: unknown }).code : undefined;
  return code === 'P2002' || code === 'P2025' ? RACE_SURFACES[code] : undefined;
}

/**
 * Expected failures from below become the tRPC class their code implies: engine errors through its one
 * exhaustive table (the error kept as cause), control-plane races as conflicts or not-found.
 */
const mapErrors = t.middleware(async ({ next }) => {
  const res = await next();
  if (res.ok || res.error instanceof AppError) return res;
  if (res.error.cause instanceof ScopeError) throw new AppError('FORBIDDEN', 'FORBIDDEN', res.error.cause.message);
  const engine = asEngineError(res.error.cause);
  if (engine) throw new TRPCError({ code: ERROR_SURFACES[engine.code].http, message: engine.message, cause: engine });
  const race = asRace(res.error.cause);
  if (race) throw new AppError(race.appCode, race.code, race.message);
  return res;
});

function stringField(input: unknown, key: string): string | undefined {
  const value = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** Every mutation leaves an audit event: who, what, on the target it declares, the input (secrets stripped), the result. */
const auditMutations = t.middleware(async ({ ctx, type, path, meta, getRawInput, next }) => {
  const res = await next();
  if (type !== 'mutation') return res;
  const input = await getRawInput().catch(() => undefined);
  const claimed = meta?.audit?.actor === undefined ? undefined : stringField(input, meta.audit.actor);
  await recordAudit(ctx.db, {
    actor: ctx.user?.username ?? claimed ?? 'anonymous',
    actorId: ctx.user?.id ?? null,
    action: path,
    target: (meta?.audit?.target ?? []).flatMap((key) => stringField(input, key) ?? []).join('/'),
    input,
    result: res.ok ? 'ok' : 'error',
    errorCode: res.ok ? null : appCodeOf(res.error),
    errorMessage: res.ok ? null : res.error.message,
    instanceId: stringField(input, 'instanceId') ?? null,
    actorScopes: ctx.user?.scopes ?? null,
  });
  return res;
});

// ---------------------------------------------------------------------------
// Procedures

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(auditMutations).use(mapErrors);

const ROLE_RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** The signed-in user when their role is at least `min`; else the error every API answers with (tRPC and routes). */
export function authorizeRole(user: SessionUser | null, min: Role): SessionUser {
  if (!user) throw new AppError('UNAUTHENTICATED', 'UNAUTHORIZED', 'Sign in to continue');
  if (ROLE_RANK[user.role] < ROLE_RANK[min]) throw new AppError('FORBIDDEN', 'FORBIDDEN', `This action needs the ${min} role; you are ${user.role}`);
  return user;
}

/** The scope of a signed-in user: what their role applies to (server/scope.ts). */
export function scopeOf(user: SessionUser): ConsoleScope {
  return user.scopes === null ? ConsoleScope.ALL : new ConsoleScope(user.scopes);
}

/** `ctx.user` and `ctx.scope`: the signed-in caller with at least role `min`, and the instances and namespaces it applies to. */
function requireRole(min: Role) {
  return t.middleware(({ ctx, next }) => {
    const user = authorizeRole(ctx.user, min);
    return next({ ctx: { ...ctx, user, scope: scopeOf(user) } });
  });
}

/** Any signed-in user (viewers read). */
export const viewerProcedure = publicProcedure.use(requireRole('viewer'));
/** Operators and admins change data-plane resources. */
export const operatorProcedure = publicProcedure.use(requireRole('operator'));
/** Only admins manage users and instances. */
export const adminProcedure = publicProcedure.use(requireRole('admin'));

/** The input every instance-scoped procedure starts with. */
export const InstanceRef = z.object({ instanceId: z.string().min(1) });

/** A running instance as a procedure acts on it: the admin of its data plane, its spec, the caller's scope on it. */
export interface ResolvedInstance {
  admin: BrokerAdmin;
  instance: InstanceSpec;
  scope: InstanceScope;
}

/**
 * The running instance an id names, when the caller's scope includes it, or a typed error the console shows.
 * Out of scope is FORBIDDEN whether or not the instance exists, so a scope does not reveal other instances.
 */
export function resolveInstance(runtime: Runtime, instanceId: string, scope: ConsoleScope): ResolvedInstance {
  const entry = runtime.get(instanceId);
  if (!scope.allowsInstance(instanceId)) throw new AppError('FORBIDDEN', 'FORBIDDEN', `Your console scope does not include instance "${instanceId}"`);
  if (!entry) throw new AppError('INSTANCE_NOT_FOUND', 'NOT_FOUND', `Instance ${instanceId} is not known or not running`);
  const admin = embeddedAdmin(entry);
  if (!admin) {
    throw new AppError('INSTANCE_NOT_RUNNING', 'PRECONDITION_FAILED', `Instance "${entry.spec.name}" is ${entry.status}${entry.error ? `: ${entry.error}` : ''}`);
  }
  return { admin, instance: entry.spec, scope: scope.on(instanceId, entry.spec.name) };
}

/** Narrows `ctx.scope` to the instance: its `requireName` / `requireNamespace` / `allowsName` are what procedures call. */
function onInstance(base: typeof viewerProcedure) {
  return base.input(InstanceRef).use(({ ctx, input, next }) => next({ ctx: resolveInstance(ctx.runtime, input.instanceId, ctx.scope) }));
}

const INSTANCE_PROCEDURES = { viewer: onInstance(viewerProcedure), operator: onInstance(operatorProcedure), admin: onInstance(adminProcedure) };

/**
 * A procedure on one instance's data plane, for callers with at least the role `min` whose scope includes the
 * instance: its input takes `instanceId`, `ctx.admin` / `ctx.instance` are the running instance it names, and
 * `ctx.scope` is the caller's scope on it, which every procedure naming a topic, group, namespace or message
 * checks (`ctx.scope.requireName(stored name)`), and every list filters by.
 */
export function instanceProcedure(min: Role) {
  return INSTANCE_PROCEDURES[min];
}
