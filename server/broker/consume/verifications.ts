import path from 'node:path';
import { z } from 'zod';
import { readJson, writeJsonAtomic } from '../json-file.ts';

export type VerificationOutcome = 'ACKED' | 'FAILED' | 'TIMED_OUT';
export type VerificationState = 'PENDING' | VerificationOutcome;

const VerificationSchema = z.object({
  id: z.string(),
  messageId: z.string(),
  group: z.string(),
  topic: z.string(),
  by: z.string(),
  requestedAt: z.number(),
  state: z.enum(['PENDING', 'ACKED', 'FAILED', 'TIMED_OUT']),
  /** When it was settled. */
  at: z.number().optional(),
  /** The consumer client the copy was handed to. */
  clientId: z.string().optional(),
});
export type Verification = z.infer<typeof VerificationSchema>;

/** Verifications kept; the oldest are forgotten past it (an operator looks at a result within minutes). */
const MAX_VERIFICATIONS = 1000;

/**
 * Consume verifications (one stored message delivered once more to one group) and their outcomes, in
 * `metadata/verifications.json`, rewritten atomically on each change: they are operator actions, rare.
 */
export class VerificationStore {
  private readonly file: string;
  private readonly byId = new Map<string, Verification>();

  constructor(metaDir: string) {
    this.file = path.join(metaDir, 'verifications.json');
    const parsed = z.array(VerificationSchema).safeParse(readJson(this.file) ?? []);
    for (const v of parsed.success ? parsed.data : []) this.byId.set(v.id, v);
  }

  get(id: string): Verification | undefined {
    return this.byId.get(id);
  }

  /** Adds a pending verification in memory; `persist` writes it once its copy is stored. */
  add(v: Omit<Verification, 'state'>): void {
    this.byId.set(v.id, { ...v, state: 'PENDING' });
    for (const id of this.byId.keys()) {
      if (this.byId.size <= MAX_VERIFICATIONS) break;
      this.byId.delete(id);
    }
  }

  discard(id: string): void {
    this.byId.delete(id);
  }

  delivered(id: string, clientId: string | undefined): void {
    const v = this.byId.get(id);
    if (!v || v.state !== 'PENDING' || clientId === undefined || v.clientId === clientId) return;
    v.clientId = clientId;
    this.persist();
  }

  /** Records the outcome and returns the verification; undefined when there is nothing to settle (unknown, or settled before). */
  settle(id: string, outcome: VerificationOutcome, at = Date.now()): Verification | undefined {
    const v = this.byId.get(id);
    if (!v || v.state !== 'PENDING') return undefined;
    v.state = outcome;
    v.at = at;
    this.persist();
    return v;
  }

  persist(): void {
    writeJsonAtomic(this.file, [...this.byId.values()]);
  }
}
