/**
 * gRPC over TLS with a certificate made in the test: grpc-js clients trusting it connect, plaintext ones do
 * not, the official SDK's `sslEnabled` works, and bad certificate files are refused before the port opens.
 */
import * as grpc from '@grpc/grpc-js';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerError } from '../../server/broker/index.ts';
import { readTlsFiles } from './server.ts';
import { Fixture, RawClient, rawMetadata, type RawStatus } from './sdk-test-helpers.ts';

const run = promisify(execFile);
const SDK_SCRIPT = path.join(import.meta.dirname, 'testdata', 'sdk-tls-send.ts');

let dir: string;
let cert: string;
let key: string;
let fx: Fixture;

/** A self-signed certificate for localhost and 127.0.0.1, valid one day. */
function makeCertificate(name: string): { cert: string; key: string } {
  const files = { cert: path.join(dir, `${name}-cert.pem`), key: path.join(dir, `${name}-key.pem`) };
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', files.key, '-out', files.cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  return files;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-tls-'));
  ({ cert, key } = makeCertificate('server'));
  fx = await Fixture.start({ tls: readTlsFiles(cert, key) });
  fx.broker.createTopic({ name: 'orders' });
});

afterAll(async () => {
  await fx?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Checked against the certificate's DNS name: Node warns when TLS is given an IP as server name. */
const BY_NAME = { 'grpc.ssl_target_name_override': 'localhost' };

async function queryRoute(client: RawClient): Promise<RawStatus> {
  try {
    return (await client.unary<{ status: RawStatus }>('QueryRoute', { topic: { name: 'orders', resource_namespace: '' } }, rawMetadata(), 3000)).status;
  } finally {
    client.close();
  }
}

/** The SDK send script in a process of its own (grpc-js reads its default roots at load), trusting `roots`. */
function sdkSend(roots: string | undefined): Promise<{ stdout: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, MERIDIAN_ENDPOINTS: fx.endpoints, MERIDIAN_TOPIC: 'orders' };
  delete env.GRPC_DEFAULT_SSL_ROOTS_FILE_PATH;
  if (roots) env.GRPC_DEFAULT_SSL_ROOTS_FILE_PATH = roots;
  return run(process.execPath, ['--import', 'tsx', SDK_SCRIPT], { env, timeout: 60_000 });
}

function invalidArgument(fn: () => unknown): BrokerError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BrokerError);
    expect((e as BrokerError).code).toBe('INVALID_ARGUMENT');
    return e as BrokerError;
  }
  throw new Error('expected INVALID_ARGUMENT, nothing was thrown');
}

describe('gRPC over TLS', () => {
  it('the endpoint says it serves TLS', () => {
    expect(fx.endpoint.tls).toBe(true);
  });

  it('a grpc-js client trusting the certificate gets answers', async () => {
    const client = new RawClient(fx.endpoints, grpc.credentials.createSsl(fs.readFileSync(cert)), BY_NAME);
    expect((await queryRoute(client)).code).toBe('OK');
  });

  it('a plaintext client gets no answer (a transport error, not a status)', async () => {
    await expect(queryRoute(new RawClient(fx.endpoints))).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it('a client that does not trust the certificate is refused by its own TLS check', async () => {
    const other = makeCertificate('other');
    await expect(queryRoute(new RawClient(fx.endpoints, grpc.credentials.createSsl(fs.readFileSync(other.cert)), BY_NAME))).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it('the official SDK with sslEnabled sends a message when its process trusts the certificate', async () => {
    const { stdout } = await sdkSend(cert);
    const { messageId } = JSON.parse(stdout.trim()) as { messageId: string };
    expect(fx.broker.getMessageById(messageId).body.toString()).toBe('over-tls');
  });

  it('the official SDK with sslEnabled fails when its process does not trust the certificate', async () => {
    const before = fx.broker.topicStats('orders').messageCount;
    await expect(sdkSend(undefined)).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/self-signed certificate/) });
    expect(fx.broker.topicStats('orders').messageCount).toBe(before);
  });
});

describe('readTlsFiles', () => {
  it('refuses a missing file, naming it', () => {
    const missing = path.join(dir, 'nope.pem');
    expect(invalidArgument(() => readTlsFiles(missing, key)).message).toMatch(new RegExp(`Cannot read the TLS certificate file ${missing}: ENOENT`));
    expect(invalidArgument(() => readTlsFiles(cert, missing)).message).toMatch(new RegExp(`Cannot read the TLS key file ${missing}: ENOENT`));
  });

  it('refuses a key of another certificate, naming both files', () => {
    const other = makeCertificate('mismatch');
    const err = invalidArgument(() => readTlsFiles(cert, other.key));
    expect(err.message).toContain(`The TLS certificate ${cert} and key ${other.key} do not form a usable pair`);
  });

  it('refuses a file that is not PEM', () => {
    const junk = path.join(dir, 'junk.pem');
    fs.writeFileSync(junk, 'not a certificate');
    expect(invalidArgument(() => readTlsFiles(junk, key)).message).toContain(junk);
  });
});
