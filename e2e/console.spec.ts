import { expect, test } from '@playwright/test';
import { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';

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
  const receipt = await producer.send({ topic: 'orders', body: Buffer.from('hello from the SDK') });
  await producer.shutdown();
  // The table refreshes by itself (every 5 s), without a reload.
  await expect(page.getByTestId('count-orders')).toHaveText('1', { timeout: 15_000 });
  await page.screenshot({ path: 'test-results/topics.png' });

  await page.locator('aside').getByText('messages').click();
  await page.fill('[aria-label="Message id"]', receipt.messageId);
  await page.getByRole('button', { name: 'Look up' }).click();
  await expect(page.getByText('hello from the SDK')).toBeVisible();
  await expect(page.getByTestId('trace')).toContainText('STORED');
  await page.screenshot({ path: 'test-results/message-trace.png' });
  await page.locator('aside').getByText('topics').click();

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

async function signIn(page: import('@playwright/test').Page, username: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
}

test('group backlog follows SDK sends, offset reset previews and skips it, the audit log lists it all', async ({ page }) => {
  await signIn(page, 'admin', 'e2e-admin-pass');
  await page.locator('aside').getByText('default').click();
  await page.fill('[aria-label="Topic name"]', 'payments');
  await page.click('text=Create topic');
  await expect(page.getByTestId('count-payments')).toHaveText('0');
  await page.locator('aside').getByText('groups').click();
  await page.fill('[aria-label="Group name"]', 'billing');
  await page.click('text=Create group');
  await expect(page.getByTestId('backlog-billing')).toHaveText('0');

  // A connected consumer tells the broker which topics the group reads.
  const consumer = new SimpleConsumer({ endpoints: GRPC, namespace: '', consumerGroup: 'billing', subscriptions: new Map([['payments', '*']]), awaitDuration: 1000, logger: quiet });
  await consumer.startup();
  const producer = new Producer({ endpoints: GRPC, namespace: '', topics: ['payments'], logger: quiet });
  await producer.startup();
  for (let i = 0; i < 3; i++) await producer.send({ topic: 'payments', body: Buffer.from(`payment ${i}`) });
  await producer.shutdown();
  // The backlog column refreshes live.
  await expect(page.getByTestId('backlog-billing')).toHaveText('3', { timeout: 15_000 });
  await page.screenshot({ path: 'test-results/groups.png' });

  await page.getByRole('link', { name: 'billing' }).click();
  await expect(page.getByTestId('group-lag')).toHaveText('3');
  await expect(page.getByText('Connected clients (1)')).toBeVisible();
  await page.getByText('Skip to latest').click();
  await expect(page.getByTestId('reset-preview')).toHaveText('Skips 3 message(s).');
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Reset offset' }).click();
  await expect(page.getByTestId('group-lag')).toHaveText('0', { timeout: 10_000 });
  await page.screenshot({ path: 'test-results/group-detail.png' });
  await consumer.shutdown();
});

test('a viewer sees no mutation buttons and the API answers FORBIDDEN; the audit page lists the actions', async ({ page, browser }) => {
  await signIn(page, 'admin', 'e2e-admin-pass');
  await page.locator('aside').getByText('Users').click();
  await page.fill('[aria-label="New username"]', 'vera');
  await page.fill('[aria-label="New password"]', 'viewer-pass-1');
  await page.click('text=Add user');
  await expect(page.getByText('vera')).toBeVisible();
  await page.locator('aside').getByText('Audit log').click();
  await expect(page.getByText('user.create').first()).toBeVisible();
  await expect(page.getByText('topic.create').first()).toBeVisible();
  await page.screenshot({ path: 'test-results/audit.png' });

  const viewerContext = await browser.newContext();
  const viewer = await viewerContext.newPage();
  await signIn(viewer, 'vera', 'viewer-pass-1');
  await viewer.locator('aside').getByText('default').click();
  await expect(viewer.getByRole('heading', { name: 'Topics' })).toBeVisible();
  await expect(viewer.getByText('Create topic')).toHaveCount(0);
  await expect(viewer.getByRole('button', { name: 'Delete' })).toHaveCount(0);
  const res = await viewer.request.post('/api/trpc/namespace.create', { data: { instanceId: 'x', name: 'nope' } });
  expect(res.status()).toBe(403);
  await viewerContext.close();
});

test('an admin creates an instance, then a namespace, a topic in it and a group; edits and deletes the instance', async ({ page }) => {
  await signIn(page, 'admin', 'e2e-admin-pass');
  await page.getByText('New instance').click();
  await page.fill('[aria-label="Instance name"]', 'Bad Name');
  await expect(page.getByText('Use 1-63 lower-case letters, digits or "-"')).toBeVisible();
  await page.fill('[aria-label="Instance name"]', 'eu-west');
  await page.fill('[aria-label="Region"]', 'eu-west-1');
  await page.click('text=Create instance');
  const row = page.locator('tr', { hasText: 'eu-west-1' });
  await expect(row.getByText('running')).toBeVisible();

  await page.locator('aside').getByText('eu-west').click();
  await page.locator('aside').getByText('namespaces').click();
  await page.fill('[aria-label="Namespace name"]', 'shop');
  await page.click('text=Create namespace');
  await expect(page.locator('td', { hasText: 'shop' })).toBeVisible();

  await page.locator('aside').getByText('topics').click();
  await page.selectOption('[aria-label="Namespace"]', 'shop');
  await page.fill('[aria-label="Topic name"]', 'carts');
  await page.click('text=Create topic');
  await page.getByRole('link', { name: 'shop%carts' }).click();
  await expect(page.getByText('This NORMAL topic accepts normal messages')).toBeVisible();
  await page.fill('[aria-label="Queues"]', '4');
  await page.click('text=Save');
  await expect(page.getByText('4 / 4')).toBeVisible();
  await page.fill('[aria-label="Body"]', '{"cart": 1}');
  await page.fill('[aria-label="Tag"]', 'bad|tag');
  await expect(page.getByText("without '|' or control characters")).toBeVisible();
  await page.fill('[aria-label="Tag"]', 'created');
  await page.fill('[aria-label="Properties"]', 'source=console');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByTestId('send-result')).toContainText('at offset 0');
  await page.screenshot({ path: 'test-results/topic-detail.png' });

  await page.locator('aside').getByText('groups').click();
  await page.fill('[aria-label="Group name"]', 'cart-sync');
  await page.click('text=Create group');
  await expect(page.getByTestId('backlog-cart-sync')).toHaveText('0');

  await page.locator('aside').getByText('settings').click();
  await page.selectOption('[aria-label="Flush"]', 'sync');
  await page.click('text=Save and restart');
  await expect(page.getByText('Status running')).toBeVisible();
  await page.screenshot({ path: 'test-results/instance-settings.png' });
  await page.fill('[aria-label="Type the instance name to confirm"]', 'eu-west');
  await page.getByRole('button', { name: 'Delete instance' }).click();
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await expect(page.locator('tr', { hasText: 'eu-west-1' })).toHaveCount(0);
});
