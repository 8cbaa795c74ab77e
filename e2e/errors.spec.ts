import type { Route } from '@playwright/test';
import { api, countCalls, createTopic, defaultInstanceId, expect, test, trpcResults, uniq } from './helpers.ts';

test('an unknown topic is a not-found state after one 404, asked once (no retries on 4xx)', async ({ admin: page }) => {
  const instanceId = await defaultInstanceId(page.request);
  const calls = countCalls(page, 'topic.get');
  const answer = page.waitForResponse((r) => r.url().includes('topic.get'));
  await page.goto(`/instances/${instanceId}/topics/no-such-topic`);
  const results = await trpcResults(await answer);
  expect(results.get('topic.get')?.error?.data).toMatchObject({ httpStatus: 404, appCode: 'TOPIC_NOT_FOUND' });
  await expect(page.getByTestId('not-found')).toContainText('Topic not found');
  await expect(page.getByTestId('not-found')).toContainText('no-such-topic');
  await expect(page.getByRole('link', { name: 'All topics' })).toBeVisible();
  expect(calls()).toBe(1);
});

test('an unknown instance is a not-found state, not a topics page with a create form', async ({ admin: page }) => {
  const answer = page.waitForResponse((r) => r.url().includes('instance.get'));
  await page.goto('/instances/not-an-instance/topics');
  expect((await trpcResults(await answer)).get('instance.get')?.error?.data).toMatchObject({ httpStatus: 404, appCode: 'INSTANCE_NOT_FOUND' });
  await expect(page.getByTestId('not-found')).toContainText('Instance not found');
  await expect(page.getByRole('button', { name: 'Create topic' })).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Topics' })).toHaveCount(0);
  await page.getByRole('link', { name: 'All instances' }).click();
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
});

test('an address with no page is the same not-found state', async ({ admin: page }) => {
  const res = await page.goto('/no/such/page');
  expect(res?.status()).toBe(404);
  await expect(page.getByTestId('not-found')).toContainText('Page not found');
});

test('queries are retried on 5xx but never on 4xx', async ({ admin: page }) => {
  const instanceId = await defaultInstanceId(page.request);
  // Every call of the batch fails the same way (a batch answers one item per call).
  const failWith = (status: number, appCode: string) => async (route: Route) => {
    const calls = decodeURIComponent(new URL(route.request().url()).pathname.replace('/api/trpc/', '')).split(',');
    const error = { error: { message: `Failed with ${status}`, code: -32603, data: { code: 'X', httpStatus: status, appCode } } };
    await route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(calls.map(() => error)) });
  };

  const topicList = (url: URL) => url.pathname.startsWith('/api/trpc/') && url.pathname.includes('topic.list');
  await page.route(topicList, failWith(403, 'FORBIDDEN'));
  const forbidden = countCalls(page, 'topic.list');
  await page.goto(`/instances/${instanceId}/topics`);
  await expect(page.getByRole('table', { name: 'Topics' }).getByRole('alert')).toHaveText('Failed with 403');
  expect(forbidden()).toBe(1);
  await page.unroute(topicList);

  await page.route(topicList, failWith(503, 'STORE_CLOSED'));
  const unavailable = countCalls(page, 'topic.list');
  await page.reload();
  // Two retries (after 1 s and 2 s), then the error shows.
  await expect(page.getByRole('table', { name: 'Topics' }).getByRole('alert')).toHaveText('Failed with 503', { timeout: 15_000 });
  expect(unavailable()).toBe(3);
});

test('a refused input answers 4xx with a sentence and the field; the form shows it beside that field', async ({ admin: page }) => {
  const instanceId = await defaultInstanceId(page.request);
  const topic = uniq('dup');
  await createTopic(page.request, instanceId, topic);

  // zod's refusal: a sentence, and its issues by field, never the issues as JSON in the message.
  const invalid = await api(page.request, 'mutation', 'topic.create', { instanceId, name: 'bad name!' });
  expect(invalid.status).toBe(400);
  expect(invalid.error?.message).not.toMatch(/^\s*[[{]/);
  expect(invalid.error?.data.zodIssues?.[0]?.path).toBe('name');

  // The instance's size limit (4 MiB by default): 413 with the stable code and a sentence.
  const tooLarge = await api(page.request, 'mutation', 'topic.send', { instanceId, name: topic, body: 'x'.repeat(4 * 1024 * 1024 + 1) });
  expect(tooLarge.status).toBe(413);
  expect(tooLarge.error?.data.appCode).toBe('MESSAGE_TOO_LARGE');
  expect(tooLarge.error?.message).toMatch(/^Message body is 4194305 bytes/);

  // The name is taken: 409 TOPIC_EXISTS, shown beside the name field, the drawer stays open.
  await page.goto(`/instances/${instanceId}/topics`);
  await page.getByRole('button', { name: 'Create topic' }).click();
  const drawer = page.getByRole('dialog', { name: 'Create topic' });
  await drawer.getByLabel('Topic name').fill(topic);
  const answer = page.waitForResponse((r) => r.url().includes('topic.create'));
  await drawer.getByRole('button', { name: 'Create topic' }).click();
  const created = (await trpcResults(await answer)).get('topic.create');
  expect(created?.error?.data).toMatchObject({ httpStatus: 409, appCode: 'TOPIC_EXISTS' });
  const nameField = drawer.locator('label', { has: page.getByLabel('Topic name') });
  await expect(nameField.locator('[data-field-error]')).toHaveText(`Topic "${topic}" already exists`);
  await expect(drawer.getByRole('alert')).toHaveCount(0);
  // Editing the field clears the server's answer.
  await drawer.getByLabel('Topic name').fill(`${topic}-2`);
  await expect(nameField.locator('[data-field-error]')).toHaveCount(0);
});

test('the send form takes a body up to the instance limit (4 MiB), not 1 MiB, and says the limit beside the body', async ({ admin: page }) => {
  const instanceId = await defaultInstanceId(page.request);
  const topic = uniq('big');
  await createTopic(page.request, instanceId, topic);
  await page.goto(`/instances/${instanceId}/topics/${topic}`);
  await page.getByRole('button', { name: 'Send message' }).click();
  const drawer = page.getByRole('dialog');
  await expect(drawer.getByText('At most 4 MiB on this instance')).toBeVisible();
  const body = drawer.getByLabel('Body');
  await body.fill('x'.repeat(4 * 1024 * 1024 + 1));
  await expect(drawer.locator('[data-field-error]')).toHaveText('The body is 4,194,305 bytes; this instance accepts at most 4,194,304 (4 MiB)');
  await expect(drawer.getByRole('button', { name: 'Send' })).toBeDisabled();
  await body.fill('y'.repeat(2 * 1024 * 1024));
  await expect(drawer.locator('[data-field-error]')).toHaveCount(0);
  await drawer.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByTestId('send-result')).toContainText('at offset 0', { timeout: 15_000 });
});

test('/favicon.ico and the icon are served', async ({ page, request }) => {
  expect((await request.get('/favicon.ico')).status()).toBe(200);
  await page.goto('/login');
  const href = await page.locator('link[rel=icon]').first().getAttribute('href');
  expect(href).toBeTruthy();
  expect((await request.get(href!)).status()).toBe(200);
});
