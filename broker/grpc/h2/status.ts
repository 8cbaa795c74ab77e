/** gRPC transport status codes (grpc-status), the few this server answers with. */
export const STATUS = {
  OK: 0,
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

export type GrpcStatus = (typeof STATUS)[keyof typeof STATUS];

/** A call the transport itself fails (bad frame, unknown method, oversized message): answered in the trailers. */
export class GrpcFault extends Error {
  constructor(
    readonly status: GrpcStatus,
    message: string,
  ) {
    super(message);
  }
}

/** grpc-message is percent-encoded: everything outside printable ASCII, and '%' itself. */
export function encodeGrpcMessage(message: string): string {
  return /^[\x20-\x24\x26-\x7e]*$/.test(message) ? message : Array.from(Buffer.from(message), (b) => (b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}
