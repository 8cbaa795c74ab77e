import path from 'node:path';
import { z } from 'zod';
import { readJson } from '../json-file.ts';
import { DeferredJson } from './deferred-json.ts';

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
  /** The copy's offset in the group's retry topic for the topic, once stored. */
  copyOffset: z.number().optional(),
  /** When the copy was handed to a client. */
  deliveredAt: z.number().optional(),
});
export type Verification = z.infer<typeof VerificationSchema>;

/** Verifications kept; the oldest are forgotten past it (an operator looks at a result within minutes). */
const MAX_VERIFICATIONS = 1000;

/**
 * Consume verifications (one stored message delivered once more to one group) and their outcomes, in
 * `metadata/verifications.json`: written at once when one is requested (an operator action), and off the
 * consume path for deliveries and outcomes (DeferredJson), and at close.
 */
export class VerificationStore {
  private readonly byId = new Map<string, Verification>();
  private readonly file: DeferredJson;

  constructor(metaDir: string) {
    const file = path.join(metaDir, 'verifications.json');
    const parsed = z.array(VerificationSchema).safeParse(readJson(file) ?? []);
    for (const v of parsed.success ? parsed.data : []) this.byId.set(v.id, v);
    this.file = new DeferredJson(file, () => [...this.byId.values()]);
  }

  get(id: string): Verification | undefined {
    return this.byId.get(id);
  }

  /** Adds a pending verification in memory; `stored` writes it once its copy is stored. */
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

  /** Its copy is stored at `copyOffset`: written now, so a restart still knows the copy is one. */
  stored(id: string, copyOffset: number): void {
    const v = this.byId.get(id);
    if (!v) return;
    v.copyOffset = copyOffset;
    this.file.markDirty();
    this.file.flush();
  }

  delivered(id: string, clientId: string | undefined, at = Date.now()): void {
    const v = this.byId.get(id);
    if (!v || v.state !== 'PENDING') return;
    v.deliveredAt = at;
    if (clientId !== undefined) v.clientId = clientId;
    this.file.markDirty();
  }

  isPending(id: string): boolean {
    return this.byId.get(id)?.state === 'PENDING';
  }

  /** Verifications still waiting for their outcome. */
  pending(): Verification[] {
    return [...this.byId.values()].filter((v) => v.state === 'PENDING');
  }

  /** Records the outcome and returns the verification; undefined when there is nothing to settle (unknown, or settled before). */
  settle(id: string, outcome: VerificationOutcome, at = Date.now()): Verification | undefined {
    const v = this.byId.get(id);
    if (!v || v.state !== 'PENDING') return undefined;
    v.state = outcome;
    v.at = at;
    this.file.markDirty();
    return v;
  }

  close(): void {
    this.file.flush();
  }
}
