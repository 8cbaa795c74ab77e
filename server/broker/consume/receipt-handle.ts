import { createHmac, timingSafeEqual } from 'node:crypto';
import { BrokerError } from '../errors.ts';

export interface HandleFields {
  group: string;
  topic: string;
  queueId: number;
  offset: number;
  /** Changes on every delivery or invisible-time change: older handles of the same message go stale. */
  seq: number;
}

/** 96 bits of HMAC: forging a handle is out of reach, and handles stay short on the wire. */
const MAC_BYTES = 12;

/**
 * Receipt handles are opaque to clients: base64url of the fields plus a truncated HMAC under the broker's
 * secret, so a forged or edited handle is refused before any state is looked up.
 */
export class ReceiptHandles {
  constructor(private readonly secret: Buffer) {}

  encode(f: HandleFields): string {
    const payload = Buffer.from(JSON.stringify([f.group, f.topic, f.queueId, f.offset, f.seq]));
    return Buffer.concat([payload, this.mac(payload)]).toString('base64url');
  }

  decode(handle: string): HandleFields {
    const raw = Buffer.from(handle, 'base64url');
    if (raw.length <= MAC_BYTES) throw invalidHandle();
    const payload = raw.subarray(0, raw.length - MAC_BYTES);
    if (!timingSafeEqual(raw.subarray(raw.length - MAC_BYTES), this.mac(payload))) throw invalidHandle();
    const [group, topic, queueId, offset, seq] = JSON.parse(payload.toString()) as [string, string, number, number, number];
    return { group, topic, queueId, offset, seq };
  }

  private mac(payload: Buffer): Buffer {
    return createHmac('sha256', this.secret).update(payload).digest().subarray(0, MAC_BYTES);
  }
}

/** Built only when a handle is refused: an error's stack trace is too dear to build for every valid ack. */
function invalidHandle(): BrokerError {
  return new BrokerError('INVALID_RECEIPT_HANDLE', 'The receipt handle is malformed or was not issued by this broker');
}
