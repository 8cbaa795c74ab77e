/**
 * The console's own rules (control-plane names, accounts, instance specs) as zod schemas. Pure (zod only), so
 * the forms in app/ validate as you type with exactly what the routers enforce. The engine's rules (topic,
 * group and namespace names, queues, message size) live in server/broker/rules.ts.
 */
import { z } from 'zod';

/** From least to most privilege (the order forms list them). */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

// ---- instances ----

/** An instance name is a data directory and a DNS label (RFC 1123: 1-63, lower case, no leading '-'). */
export const instanceNameSchema = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'Use 1-63 lower-case letters, digits or "-", starting with a letter or digit');
export const regionSchema = z.string().trim().min(1, 'Enter a region').max(64, 'At most 64 characters');
/** 0 lets the OS pick a free port (tests, several instances on one machine). */
export const grpcPortSchema = z.number().int('Whole number').min(0, 'A port from 0 to 65535').max(65535, 'A port from 0 to 65535');
/** RocketMQ's fileReservedTime (72 h); prisma/schema.prisma gives new instances the same. */
export const DEFAULT_RETENTION_HOURS = 72;
/** A year at most: the commit log is a buffer for consumers, not an archive. */
export const MAX_RETENTION_HOURS = 24 * 365;
export const retentionHoursSchema = z
  .number()
  .int('Whole number')
  .min(1, 'At least 1 hour')
  .max(MAX_RETENTION_HOURS, `At most ${MAX_RETENTION_HOURS} hours (a year)`);
export const FLUSH_MODES = ['sync', 'async'] as const;

/** Descriptions of instances, namespaces, topics and groups: a line or two for people, not a document. */
export const descriptionSchema = z.string().max(500, 'At most 500 characters');

// ---- console users ----

export const usernameSchema = z
  .string()
  .trim()
  .regex(/^[a-zA-Z0-9._-]{2,64}$/, 'Use 2-64 letters, digits, ".", "_" or "-"');
/** NIST SP 800-63B's minimum for user-chosen passwords. */
export const MIN_PASSWORD_LENGTH = 8;
/** argon2 hashes any length; the cap only bounds the work one request can ask for. */
export const MAX_PASSWORD_LENGTH = 500;
export const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `At least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `At most ${MAX_PASSWORD_LENGTH} characters`);
