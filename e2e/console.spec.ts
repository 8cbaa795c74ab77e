import { expect, test } from '@playwright/test';
import { Producer } from 'rocketmq-client-nodejs';

const GRPC = `127.0.0.1:${process.env.E2E_GRPC_PORT ?? 18081}`;
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

test('sign in, create a topic, see a message sent with the SDK, delete with confirmation', async ({ page }) => {
  await page.goto('/');
  await page.waitForURL('**/login');
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', 'not-the-password');
  await page.click('button[type=submit]');
  await expect(page.getByText('Wrong username or password.')).toBeVisible();
  await page.screenshot({ path: 'test-results/login-error.png' });

  await page.fill('input[name=password]', 'e2e-admin-pass');
  await page.click('button[type=submit]');
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await expect(page.getByText('running')).toBeVisible();
  await expect(page.getByTestId('current-user')).toContainText('admin');
  await page.screenshot({ path: 'test-results/overview.png' });

  await page.locator('aside').getByText('default').click();
  await expect(page.getByText('No topics yet.')).toBeVisible();
  await page.fill('[aria-label="Topic name"]', 'bad name!');
  await expect(page.getByText("Use letters, digits, '|', '-' or '_'")).toBeVisible();
  await page.fill('[aria-label="Topic name"]', 'orders');
  await page.fill('[aria-label="Description"]', 'order events');
  await page.click('text=Create topic');
  await expect(page.getByTestId('count-orders')).toHaveText('0');

  const producer = new Producer({ endpoints: GRPC, namespace: '', topics: ['orders'], logger: quiet });
  await producer.startup();
  await producer.send({ topic: 'orders', body: Buffer.from('hello from the SDK') });
  await producer.shutdown();
  // The table refreshes by itself (every 5 s), without a reload.
  await expect(page.getByTestId('count-orders')).toHaveText('1', { timeout: 15_000 });
  await page.screenshot({ path: 'test-results/topics.png' });

  await page.getByRole('button', { name: 'Delete' }).click();
  const confirm = page.getByRole('button', { name: 'Confirm delete' });
  await expect(confirm).toBeDisabled();
  await page.fill('[aria-label="Type orders to confirm"]', 'orders');
  await confirm.click();
  await expect(page.getByText('No topics yet.')).toBeVisible();
});

test('the API refuses calls without a session', async ({ request }) => {
  const res = await request.get('/api/trpc/topic.list?input=' + encodeURIComponent(JSON.stringify({ instanceId: 'x' })));
  expect(res.status()).toBe(401);
});
