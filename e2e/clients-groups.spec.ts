import { defaultInstanceId, expect, shoot, test, uniq, withTraffic } from './helpers.ts';

test('the clients page shows each SDK client with its real language and version, address, connected since and subscriptions', async ({ admin: page }) => {
  const traffic = await withTraffic(page.request, 'seen');
  const { instanceId, topic, group } = traffic;
  await traffic.producer.send({ topic, body: Buffer.from('hi') });

  await page.goto(`/instances/${instanceId}/clients`);
  await page.getByLabel('Search clients').fill(group);
  const row = page.getByRole('table', { name: 'Connected clients' }).getByRole('row').nth(1);
  await expect(row).toContainText(group, { timeout: 15_000 });
  const sdk = row.locator('[data-testid^=sdk-]');
  await expect(sdk).toContainText('1.0.8');
  await expect(sdk).not.toContainText('HTTP');
  await expect(sdk).toContainText(/node/i);
  await expect(row).toContainText(`${topic} (TAG *)`);
  await expect(row.locator('code').last()).toHaveText(/^[\d.:[\]a-f]+:\d+$/);
  await expect(row.locator('time')).toHaveText(/\d{2}:\d{2}:\d{2} [A-Z]{3}/);
  await expect(row).toContainText(/heartbeat (\d+ seconds? ago|now)/);
  await page.getByLabel('Search clients').fill('');
  await expect(page.getByRole('table', { name: 'Connected clients' }).getByText('producer').first()).toBeVisible();
  await shoot(page, 'clients');
  await traffic.close();
});

test('the group page shows the back-off schedule, the instance in its breadcrumbs, and the create form starts clean', async ({ admin: page }) => {
  const instanceId = await defaultInstanceId(page.request);
  const group = uniq('ordered');
  await page.goto(`/instances/${instanceId}/groups`);
  // The list comes first: the form opens behind a button.
  await expect(page.getByLabel('Group name')).toHaveCount(0);
  await page.getByRole('button', { name: 'Create group' }).click();
  const drawer = page.getByRole('dialog', { name: 'Create consumer group' });
  await drawer.getByLabel('Group name').fill(group);
  await drawer.getByLabel('FIFO').check();
  await drawer.getByRole('button', { name: 'Create group' }).click();
  await expect(drawer).toBeHidden();
  await expect(page.getByTestId(`backlog-${group}`)).toHaveText('0');
  await page.getByRole('button', { name: 'Create group' }).click();
  await expect(page.getByRole('dialog').getByLabel('FIFO')).not.toBeChecked();
  await expect(page.getByRole('dialog').getByLabel('Group name')).toHaveValue('');
  await page.keyboard.press('Escape');

  await page.getByRole('link', { name: group }).click();
  await expect(page.getByRole('navigation', { name: 'Breadcrumb' })).toHaveText(`Instances/default/Groups/${group}`);
  const schedule = page.getByTestId('retry-schedule');
  // RocketMQ's default levels: 1 s 5 s 10 s 30 s 1 min 2 min … 2 h; attempt 17 is the last before the DLQ.
  await expect(schedule.getByRole('listitem')).toHaveCount(16);
  await expect(schedule.getByRole('listitem').first()).toHaveText('attempt 2 after 1 s');
  await expect(schedule.getByRole('listitem').nth(4)).toHaveText('attempt 6 after 1 min');
  await expect(page.getByText('customized')).toHaveCount(0);
  await expect(page.getByText('Ordering').locator('..')).toContainText('FIFO');
  await shoot(page, 'group-detail');

  await page.goto(`/instances/${instanceId}/topics`);
  await expect(page.getByRole('navigation', { name: 'Breadcrumb' })).toHaveText('Instances/default/Topics');
});
