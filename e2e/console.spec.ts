import { ADMIN, expect, shoot, signIn, startConsumer, startProducer, test } from './helpers.ts';

test('sign in, create a topic, see a message sent with the SDK, delete with confirmation', async ({ page }) => {
  await page.goto('/');
  await page.waitForURL('**/login');
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', 'not-the-password');
  await page.click('button[type=submit]');
  await expect(page.getByText('Wrong username or password.')).toBeVisible();
  await shoot(page, 'login-error');

  await page.fill('input[name=password]', ADMIN.password);
  await page.click('button[type=submit]');
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await expect(page.getByText('running').first()).toBeVisible();
  await expect(page.getByTestId('current-user')).toContainText('admin');

  await page.locator('aside').getByText('default').click();
  await expect(page.getByRole('heading', { name: 'Topics' })).toBeVisible();
  await page.getByRole('button', { name: 'Create topic' }).click();
  const drawer = page.getByRole('dialog', { name: 'Create topic' });
  await drawer.getByLabel('Topic name').fill('bad name!');
  await expect(drawer.getByText("Use letters, digits, '|', '-' or '_'")).toBeVisible();
  await drawer.getByLabel('Topic name').fill('orders');
  await drawer.getByLabel('Description').fill('order events');
  await drawer.getByRole('button', { name: 'Create topic' }).click();
  await expect(drawer).toBeHidden();
  await expect(page.getByTestId('count-orders')).toHaveText('0');

  const producer = await startProducer(['orders']);
  const receipt = await producer.send({ topic: 'orders', body: Buffer.from('hello from the SDK') });
  await producer.shutdown();
  // The table refreshes by itself (every 5 s), without a reload.
  await expect(page.getByTestId('count-orders')).toHaveText('1', { timeout: 15_000 });

  await page.locator('aside').getByText('messages').click();
  await page.fill('[aria-label="Message id"]', receipt.messageId);
  await page.getByRole('button', { name: 'Look up' }).click();
  await expect(page.getByText('hello from the SDK')).toBeVisible();
  await expect(page.getByTestId('trace')).toContainText('STORED');
  await page.locator('aside').getByText('topics').click();

  await page.getByRole('button', { name: 'Delete orders' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete topic orders' });
  const confirm = dialog.getByRole('button', { name: 'Delete topic' });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel('Type orders to confirm').fill('orders');
  await confirm.click();
  await expect(page.getByTestId('count-orders')).toHaveCount(0);
});

test('the API refuses calls without a session', async ({ request }) => {
  const res = await request.get('/api/trpc/topic.list?input=' + encodeURIComponent(JSON.stringify({ instanceId: 'x' })));
  expect(res.status()).toBe(401);
});

test('group backlog follows SDK sends, offset reset previews and skips it', async ({ admin: page }) => {
  await page.locator('aside').getByText('default').click();
  await page.getByRole('button', { name: 'Create topic' }).click();
  await page.getByRole('dialog').getByLabel('Topic name').fill('payments');
  await page.getByRole('dialog').getByRole('button', { name: 'Create topic' }).click();
  await expect(page.getByTestId('count-payments')).toHaveText('0');
  await page.locator('aside').getByText('groups').click();
  await page.getByRole('button', { name: 'Create group' }).click();
  await page.getByRole('dialog').getByLabel('Group name').fill('billing');
  await page.getByRole('dialog').getByRole('button', { name: 'Create group' }).click();
  await expect(page.getByTestId('backlog-billing')).toHaveText('0');

  // A connected consumer tells the broker which topics the group reads.
  const consumer = await startConsumer('billing', 'payments');
  const producer = await startProducer(['payments']);
  for (let i = 0; i < 3; i++) await producer.send({ topic: 'payments', body: Buffer.from(`payment ${i}`) });
  await producer.shutdown();
  // The backlog column refreshes live.
  await expect(page.getByTestId('backlog-billing')).toHaveText('3', { timeout: 15_000 });

  await page.getByRole('link', { name: 'billing' }).click();
  await expect(page.getByTestId('group-lag')).toHaveText('3');
  await expect(page.getByText('Connected clients (1)')).toBeVisible();
  await page.getByText('Skip to latest').click();
  await expect(page.getByTestId('reset-preview')).toHaveText('Skips 3 message(s).');
  await page.getByRole('button', { name: 'Reset offset' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Reset offset' }).click();
  await expect(page.getByTestId('group-lag')).toHaveText('0', { timeout: 10_000 });
  await consumer.shutdown();
});

test('a viewer sees no mutation buttons and the API answers FORBIDDEN; the audit page lists the actions', async ({ admin: page, browser }) => {
  await page.locator('aside').getByText('Users').click();
  await page.getByRole('button', { name: 'Add user' }).click();
  await page.getByRole('dialog').getByLabel('Username').fill('vera');
  await page.getByRole('dialog').getByLabel('Password').fill('viewer-pass-1');
  await page.getByRole('dialog').getByRole('button', { name: 'Add user' }).click();
  await expect(page.getByRole('cell', { name: 'vera', exact: true })).toBeVisible();
  await page.locator('aside').getByText('Audit log').click();
  await expect(page.getByText('user.create').first()).toBeVisible();
  await expect(page.getByText('topic.create').first()).toBeVisible();

  const viewerContext = await browser.newContext();
  const viewer = await viewerContext.newPage();
  await signIn(viewer, { username: 'vera', password: 'viewer-pass-1' });
  await viewer.locator('aside').getByText('default').click();
  await expect(viewer.getByRole('heading', { name: 'Topics' })).toBeVisible();
  await expect(viewer.getByRole('button', { name: 'Create topic' })).toHaveCount(0);
  await expect(viewer.getByRole('button', { name: /^Delete/ })).toHaveCount(0);
  const res = await viewer.request.post('/api/trpc/namespace.create', { data: { instanceId: 'x', name: 'nope' } });
  expect(res.status()).toBe(403);
  await viewerContext.close();
});

test('an admin creates an instance, then a namespace, a topic in it and a group; edits and deletes the instance', async ({ admin: page }) => {
  await page.getByRole('button', { name: 'New instance' }).click();
  const drawer = page.getByRole('dialog', { name: 'New instance' });
  await drawer.getByLabel('Instance name').fill('Bad Name');
  await expect(drawer.getByText('Use 1-63 lower-case letters, digits or "-"')).toBeVisible();
  await drawer.getByLabel('Instance name').fill('eu-west');
  await drawer.getByLabel('Region').fill('eu-west-1');
  await drawer.getByRole('button', { name: 'Create instance' }).click();
  const row = page.locator('tr', { hasText: 'eu-west-1' });
  await expect(row.getByText('running')).toBeVisible();

  await page.locator('aside').getByText('eu-west').click();
  await page.locator('aside').getByText('namespaces').click();
  await page.getByRole('button', { name: 'Create namespace' }).click();
  await page.fill('[aria-label="Namespace name"]', 'shop');
  await page.getByRole('dialog').getByRole('button', { name: 'Create namespace' }).click();
  await expect(page.locator('td', { hasText: 'shop' })).toBeVisible();

  await page.locator('aside').getByText('topics').click();
  await page.selectOption('[aria-label="Namespace"]', 'shop');
  await page.getByRole('button', { name: 'Create topic' }).click();
  await expect(page.getByLabel('Namespace of the topic')).toHaveValue('shop');
  await page.getByRole('dialog').getByLabel('Topic name').fill('carts');
  await page.getByRole('dialog').getByRole('button', { name: 'Create topic' }).click();
  await page.getByRole('link', { name: 'shop%carts' }).click();
  await expect(page.getByText('This NORMAL topic accepts normal messages')).toBeVisible();
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByRole('dialog').getByLabel('Queues').fill('4');
  await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('4 / 4')).toBeVisible();
  await page.getByRole('button', { name: 'Send message' }).click();
  const send = page.getByRole('dialog');
  await send.getByLabel('Body').fill('{"cart": 1}');
  await send.getByLabel('Tag').fill('bad|tag');
  await expect(send.getByText("without '|' or control characters")).toBeVisible();
  await send.getByLabel('Tag').fill('created');
  await send.getByLabel('Properties').fill('source=console');
  await send.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByTestId('send-result')).toContainText('at offset 0');
  await send.getByRole('button', { name: 'Close' }).click();

  await page.locator('aside').getByText('groups').click();
  await page.getByRole('button', { name: 'Create group' }).click();
  await page.getByRole('dialog').getByLabel('Group name').fill('cart-sync');
  await page.getByRole('dialog').getByRole('button', { name: 'Create group' }).click();
  await expect(page.getByTestId('backlog-cart-sync')).toHaveText('0');

  await page.locator('aside').getByText('settings').click();
  await page.selectOption('[aria-label="Flush"]', 'sync');
  await page.getByRole('button', { name: 'Save and restart' }).click();
  await expect(page.getByText('it restarted with the new settings')).toBeVisible();
  await expect(page.getByTestId('instance-status')).toHaveText('running');
  await page.getByRole('button', { name: 'Delete instance' }).click();
  await page.getByRole('dialog').getByLabel('Type eu-west to confirm').fill('eu-west');
  await page.getByRole('dialog').getByRole('button', { name: 'Delete instance' }).click();
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await expect(page.locator('tr', { hasText: 'eu-west-1' })).toHaveCount(0);
});
