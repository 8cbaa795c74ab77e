import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { messagingService } from '../grpc/proto.ts';

/** Generous: on a loaded machine sends queue for seconds, which the figures should show instead of ending the run. */
const SEND_DEADLINE_MS = 30_000;

/**
 * A minimal RocketMQ v2 producer on plain grpc-js: one SendMessage per call, nothing else. It costs the
 * client far less CPU than the SDK, so the figures it gives are bounded by the broker rather than the client.
 */
export class RawProducer {
  private readonly client: grpc.Client & Record<string, (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, res: { status: { code: string; message: string } }) => void) => void>;
  private readonly metadata = new grpc.Metadata();
  private seq = 0;

  constructor(endpoint: string) {
    const Client = messagingService();
    this.client = new Client(endpoint, grpc.credentials.createInsecure()) as RawProducer['client'];
    this.metadata.set('x-mq-client-id', `raw-bench@${process.pid}@${randomUUID()}`);
    this.metadata.set('x-mq-protocol', 'v2');
    this.metadata.set('x-mq-language', 'HTTP');
  }

  send(topic: string, body: Buffer): Promise<void> {
    const message = {
      topic: { name: topic, resource_namespace: '' },
      user_properties: {},
      system_properties: {
        message_id: `RAW${process.pid}${(this.seq++).toString(16).padStart(12, '0')}`,
        message_type: 'NORMAL',
        body_encoding: 'IDENTITY',
        born_timestamp: { seconds: Math.floor(Date.now() / 1000), nanos: 0 },
        born_host: 'bench',
        queue_id: 0,
        keys: [],
      },
      body,
    };
    return new Promise((resolve, reject) =>
      this.client.SendMessage!({ messages: [message] }, this.metadata, { deadline: Date.now() + SEND_DEADLINE_MS }, (err, res) => {
        if (err) reject(err);
        else if (res.status.code !== 'OK') reject(new Error(`${res.status.code}: ${res.status.message}`));
        else resolve();
      }),
    );
  }

  close(): void {
    this.client.close();
  }
}
