/**
 * What every HTTP route beside tRPC (downloads, exports, imports) shares with tRPC: the session cookie's user,
 * the role check, the instance it names, and failures as JSON `{ code, message }` with the status the error's
 * class implies (engine errors through ERROR_SURFACES, as tRPC maps them).
 */
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { ZodError, type z } from 'zod';
import type { SessionUser } from '../auth.ts';
import { recordAudit } from '../audit.ts';
import { ERROR_SURFACES, logger } from '../broker/index.ts';
import type { BrokerAdmin } from '../broker-admin.ts';
import { contextFromRequest, type HttpDeps } from '../http-context.ts';
import type { InstanceSpec } from '../runtime.ts';
import type { Role } from '../schemas.ts';
import { ScopeError, type InstanceScope } from '../scope.ts';
import { AppError, asEngineError, authorizeRole, resolveInstance, scopeOf, zodSentence, type InnerContext } from '../trpc.ts';

export type { HttpDeps } from '../http-context.ts';

/** A caller allowed on an instance: the request's context, its user, the running instance, and their scope on it. */
export interface RouteCaller {
  ctx: InnerContext;
  user: SessionUser;
  admin: BrokerAdmin;
  instance: InstanceSpec;
  /** What a route checks every topic, group or message it names against (`scope.requireName`). */
  scope: InstanceScope;
}

/** The caller with at least role `min`, on the running instance `instanceId` in their scope; throws the error tRPC would. */
export function authorizeOn(ctx: InnerContext, instanceId: string, min: Role): RouteCaller {
  const user = authorizeRole(ctx.user, min);
  return { ctx, user, ...resolveInstance(ctx.runtime, instanceId, scopeOf(user)) };
}

/** The signed-in caller of a request with at least role `min`, on the running instance `instanceId`. */
export async function authorize(req: Request, deps: HttpDeps, instanceId: string, min: Role): Promise<RouteCaller> {
  return authorizeOn(await contextFromRequest(req, deps), instanceId, min);
}

/** A failure as the API reports it: the HTTP class, the stable code the console shows, the sentence. */
export interface RouteFailure {
  status: number;
  code: string;
  message: string;
}

/**
 * Any thrown value as the failure it is reported as; an unexpected one is a 500 with a plain sentence, and
 * with `logAs` its real message is logged under that event.
 */
export function failureOf(e: unknown, logAs?: string): RouteFailure {
  const f = classify(e);
  if (logAs && f.status >= 500) logger.error({ event: logAs, code: f.code, err: e instanceof Error ? e.message : String(e) }, 'request failed on the server');
  return f;
}

function classify(e: unknown): RouteFailure {
  const status = (code: TRPCError['code']) => getHTTPStatusCodeFromError(new TRPCError({ code }));
  if (e instanceof AppError) return { status: status(e.code), code: e.appCode, message: e.message };
  if (e instanceof ScopeError) return { status: status('FORBIDDEN'), code: 'FORBIDDEN', message: e.message };
  const engine = asEngineError(e);
  if (engine) return { status: status(ERROR_SURFACES[engine.code].http), code: engine.code, message: engine.message };
  if (e instanceof ZodError) return { status: 400, code: 'BAD_REQUEST', message: zodSentence(e) };
  return { status: 500, code: 'INTERNAL_SERVER_ERROR', message: 'The server failed to answer; try again, and see its log if it keeps failing' };
}

export function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** The route's answer, or its failure as JSON `{ code, message }`. */
export async function answer(run: () => Promise<Response>): Promise<Response> {
  try {
    return await run();
  } catch (e) {
    const f = failureOf(e, 'route.failed');
    return json({ code: f.code, message: f.message }, f.status);
  }
}

/** The request's query parameters read with a schema (a zod failure answers 400 with its sentence). */
export function queryOf<T>(req: Request, schema: z.ZodType<T>): T {
  return schema.parse(Object.fromEntries(new URL(req.url).searchParams));
}

/** A download's Content-Disposition: the name as plain ASCII, and exactly in RFC 5987 form. */
export function attachment(filename: string): string {
  const ascii = filename.replace(/[^A-Za-z0-9._-]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/**
 * Records a route's mutation in the audit log as tRPC's audit middleware does: who (also when refused before
 * signing in), the action, its target, the input (sanitized), and the outcome.
 */
export function auditRoute(ctx: InnerContext, entry: { action: string; target: string; instanceId: string; input: unknown; failure?: RouteFailure | undefined }): Promise<unknown> {
  return recordAudit(ctx.db, {
    actor: ctx.user?.username ?? 'anonymous',
    actorId: ctx.user?.id ?? null,
    action: entry.action,
    target: entry.target,
    input: entry.input,
    result: entry.failure ? 'error' : 'ok',
    errorCode: entry.failure?.code ?? null,
    errorMessage: entry.failure?.message ?? null,
    instanceId: entry.instanceId,
    actorScopes: ctx.user?.scopes ?? null,
  });
}
