import fs from 'node:fs';
import { z } from 'zod';
import { AclBootstrapSchema, isBrokerError, MESSAGE_TYPES, validateNamespace, validateResourceName, wrapName, type Broker } from '../server/broker/index.ts';

/** A zod check that runs the engine's own name rules, so errors point at the field. */
function engineName(check: (value: string) => void) {
  return z.string().superRefine((value, ctx) => {
    try {
      check(value);
    } catch (e) {
      if (!isBrokerError(e)) throw e;
      ctx.addIssue({ code: 'custom', message: e.message });
    }
  });
}
const namespaceName = engineName(validateNamespace);

/**
 * `--bootstrap resources.json`: resources a standalone broker creates or updates at start (never deletes), and
 * ACL users and policies in Apache RocketMQ's ACL 2.0 JSON shape (`users`, `acls`).
 */
export const BootstrapSchema = z
  .object({
    namespaces: z.array(namespaceName).default([]),
    topics: z
      .array(
        z
          .object({
            name: engineName((n) => validateResourceName('topic', n)),
            namespace: namespaceName.optional(),
            type: z.enum(MESSAGE_TYPES).optional(),
            queues: z.number().int().min(1).max(1024).optional(),
          })
          .strict(),
      )
      .default([]),
    groups: z
      .array(
        z
          .object({
            name: engineName((n) => validateResourceName('group', n)),
            namespace: namespaceName.optional(),
            fifo: z.boolean().optional(),
            maxDeliveryAttempts: z.number().int().min(1).max(1000).optional(),
          })
          .strict(),
      )
      .default([]),
    users: AclBootstrapSchema.shape.users,
    acls: AclBootstrapSchema.shape.acls,
  })
  .strict();
export type Bootstrap = z.infer<typeof BootstrapSchema>;

export class BootstrapError extends Error {}

/** Reads and validates the file; errors name the bad field (e.g. `topics[1].type`). */
export function readBootstrap(file: string): Bootstrap {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BootstrapError(`Cannot read bootstrap file ${file}: ${(e as Error).message}`);
  }
  const parsed = BootstrapSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(root)'}: ${i.message}`);
    throw new BootstrapError(`Invalid bootstrap file ${file}: ${issues.join('; ')}`);
  }
  return parsed.data;
}

/** Creates what is missing and updates what exists. */
export function applyBootstrap(broker: Broker, b: Omit<Bootstrap, 'users' | 'acls'> & Partial<Pick<Bootstrap, 'users' | 'acls'>>): { created: number; updated: number } {
  let created = 0;
  let updated = 0;
  const namespaces = new Set([...b.namespaces, ...b.topics.flatMap((t) => t.namespace ?? []), ...b.groups.flatMap((g) => g.namespace ?? [])]);
  for (const ns of namespaces) {
    if (!broker.hasNamespace(ns)) {
      broker.createNamespace(ns);
      created++;
    }
  }
  /** Updates what exists, creates what does not, and counts which it did. */
  const upsert = (exists: boolean, update: () => unknown, create: () => unknown): void => {
    if (exists) {
      update();
      updated++;
    } else {
      create();
      created++;
    }
  };
  for (const t of b.topics) {
    const full = wrapName(t.namespace, t.name);
    const patch = { ...(t.type ? { messageType: t.type } : {}), ...(t.queues ? { queueNums: t.queues } : {}) };
    upsert(broker.hasTopic(full), () => broker.updateTopic(full, patch), () => broker.createTopic({ name: t.name, ...namespaceOf(t), ...patch }));
  }
  for (const g of b.groups) {
    const full = wrapName(g.namespace, g.name);
    const patch = { ...(g.fifo !== undefined ? { fifo: g.fifo } : {}), ...(g.maxDeliveryAttempts ? { maxDeliveryAttempts: g.maxDeliveryAttempts } : {}) };
    upsert(broker.hasGroup(full), () => broker.updateGroup(full, patch), () => broker.createGroup({ name: g.name, ...namespaceOf(g), ...patch }));
  }
  const users = b.users ?? [];
  const known = new Set(broker.access.listUsers().map((u) => u.username));
  for (const u of users) upsert(known.has(u.username), () => broker.access.upsertUser(u), () => broker.access.upsertUser(u));
  broker.access.applyBootstrap({ users: [], acls: b.acls ?? [] });
  return { created, updated };
}

function namespaceOf(r: { namespace?: string | undefined }): { namespace?: string } {
  return r.namespace ? { namespace: r.namespace } : {};
}
