/** The one set-up helper of the browser tests: sign-in, the console's API, SDK clients, screenshots. */
import { expect, test as base, type APIRequestContext, type Page, type Response } from '@playwright/test';
import { Producer, SimpleConsumer, type ProducerOptions } from 'rocketmq-client-nodejs';

export const GRPC = `127.0.0.1:${process.env.E2E_GRPC_PORT ?? 18081}`;
export const ADMIN = { username: 'admin', password: 'e2e-admin-pass' };
/** The SDK logs to ~/logs/rocketmq unless given a logger. */
export const quiet = { info() {}, warn() {}, error() {}, debug() {} };

export async function signIn(page: Page, user: { username: string; password: string } = ADMIN): Promise<void> {
  await page.goto('/login');
  await page.fill('input[name=username]', user.username);
  await page.fill('input[name=password]', user.password);
  await page.click('button[type=submit]');
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
}

/** Tests get a page signed in as the admin. */
export const test = base.extend<{ admin: Page }>({
  admin: async ({ page }, use) => {
    await signIn(page);
    await use(page);
  },
});
export { expect };

/** A name no other test uses (the suite shares one console). */
export function uniq(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}

export interface TrpcError {
  message: string;
  data: { appCode: string; httpStatus: number; field?: string; zodIssues?: { path: string; message: string }[] };
}

/** One call to the console's API as the page's user (its cookies), not batched: the HTTP status and body. */
export async function api<T = unknown>(request: APIRequestContext, kind: 'query' | 'mutation', path: string, input: unknown): Promise<{ status: number; data?: T; error?: TrpcError }> {
  const res =
    kind === 'query'
      ? await request.get(`/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`)
      : await request.post(`/api/trpc/${path}`, { data: input as object });
  const body = (await res.json()) as { result?: { data: T }; error?: TrpcError };
  return { status: res.status(), ...(body.result ? { data: body.result.data } : {}), ...(body.error ? { error: body.error } : {}) };
}

/** The id of the instance every fresh console starts with. */
export async function defaultInstanceId(request: APIRequestContext): Promise<string> {
  const list = await api<{ rows: { id: string; name: string }[] }>(request, 'query', 'instance.list', { pageSize: 200 });
  const id = list.data?.rows.find((r) => r.name === 'default')?.id;
  if (!id) throw new Error('no default instance');
  return id;
}

export async function createTopic(request: APIRequestContext, instanceId: string, name: string, messageType: 'NORMAL' | 'FIFO' | 'DELAY' | 'TRANSACTION' = 'NORMAL'): Promise<void> {
  const r = await api(request, 'mutation', 'topic.create', { instanceId, name, messageType, queueNums: 2 });
  expect(r.status, JSON.stringify(r.error)).toBe(200);
}

export async function createGroup(request: APIRequestContext, instanceId: string, name: string): Promise<void> {
  const r = await api(request, 'mutation', 'group.create', { instanceId, name });
  expect(r.status, JSON.stringify(r.error)).toBe(200);
}

export async function startProducer(topics: string[], options: Partial<ProducerOptions> = {}): Promise<Producer> {
  const producer = new Producer({ endpoints: GRPC, namespace: '', topics, logger: quiet, ...options });
  await producer.startup();
  return producer;
}

export async function startConsumer(group: string, topic: string): Promise<SimpleConsumer> {
  const consumer = new SimpleConsumer({ endpoints: GRPC, namespace: '', consumerGroup: group, subscriptions: new Map([[topic, '*']]), awaitDuration: 1000, logger: quiet });
  await consumer.startup();
  return consumer;
}

/**
 * SDK traffic on the default instance: a new topic and group, a consumer of the group subscribed to the
 * topic, and a producer of it. `close()` shuts both clients down.
 */
export async function withTraffic(request: APIRequestContext, prefix: string) {
  const instanceId = await defaultInstanceId(request);
  const topic = uniq(prefix);
  const group = uniq(`${prefix}-group`);
  await createTopic(request, instanceId, topic);
  await createGroup(request, instanceId, group);
  const consumer = await startConsumer(group, topic);
  const producer = await startProducer([topic]);
  return {
    instanceId,
    topic,
    group,
    producer,
    async close(): Promise<void> {
      await producer.shutdown();
      await consumer.shutdown();
    },
  };
}

/** The results of one tRPC HTTP response, by procedure path (batched calls answer in one array). */
export async function trpcResults(response: Response): Promise<Map<string, { result?: unknown; error?: TrpcError }>> {
  const url = new URL(response.url());
  const paths = decodeURIComponent(url.pathname.replace(/^\/api\/trpc\//, '')).split(',');
  const body = (await response.json()) as unknown;
  const items = (Array.isArray(body) ? body : [body]) as { result?: unknown; error?: TrpcError }[];
  return new Map(paths.map((p, i) => [p, items[i] ?? {}]));
}

/** Counts the page's requests that call a procedure (alone or in a batch). */
export function countCalls(page: Page, path: string): () => number {
  let n = 0;
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith('/api/trpc/') && decodeURIComponent(url.pathname.slice('/api/trpc/'.length)).split(',').includes(path)) n++;
  });
  return () => n;
}

/** The page in light and in dark (the system theme, as a new user has it), saved to test-results/screens/. */
export async function shoot(page: Page, name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    if (scheme === 'dark') await expect(page.locator('html')).toHaveClass(/dark/);
    else await expect(page.locator('html')).not.toHaveClass(/dark/);
    await page.screenshot({ path: `test-results/screens/${name}-${scheme}.png`, fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}
