/**
 * Sends one message with the official Node.js SDK over TLS (`sslEnabled`), for sdk-tls.test.ts. It runs in a
 * process of its own because the SDK builds `ChannelCredentials.createSsl()` with no roots, so grpc-js
 * trusts only what GRPC_DEFAULT_SSL_ROOTS_FILE_PATH named when it loaded.
 *   MERIDIAN_ENDPOINTS=host:port MERIDIAN_TOPIC=t node --import tsx sdk-tls-send.ts → {"messageId":"…"} on stdout
 */
import { Producer } from 'rocketmq-client-nodejs';

const silent = { info(): void {}, warn(): void {}, error(): void {}, debug(): void {} };

async function main(): Promise<void> {
  const endpoints = process.env.MERIDIAN_ENDPOINTS;
  const topic = process.env.MERIDIAN_TOPIC;
  if (!endpoints || !topic) throw new Error('MERIDIAN_ENDPOINTS and MERIDIAN_TOPIC are required');
  const producer = new Producer({ endpoints, namespace: '', sslEnabled: true, requestTimeout: 3000, maxAttempts: 1, logger: silent });
  try {
    await producer.startup();
    const receipt = await producer.send({ topic, body: Buffer.from('over-tls') });
    process.stdout.write(`${JSON.stringify({ messageId: receipt.messageId })}\n`);
  } finally {
    await producer.shutdown();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
