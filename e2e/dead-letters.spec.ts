import { api, createTopic, defaultInstanceId, expect, shoot, startConsumer, startProducer, test, uniq } from './helpers.ts';

const LETTERS = 5;

test('messages a group gives up on are counted, listed with why, resent in the background and purged with a typed confirmation', async ({ admin: page }) => {
  const instanceId = await defaultInstanceId(page.request);
  const topic = uniq('dlq-orders');
  const group = uniq('dlq-billing');
  await createTopic(page.request, instanceId, topic);
  const created = await api(page.request, 'mutation', 'group.create', { instanceId, name: group, maxDeliveryAttempts: 1 });
  expect(created.status, JSON.stringify(created.error)).toBe(200);
  const consumer = await startConsumer(group, topic);
  const producer = await startProducer([topic]);
  for (let i = 0; i < LETTERS; i++) await producer.send({ topic, tag: i % 2 === 0 ? 'created' : 'paid', keys: [`order-${i}`], body: Buffer.from(JSON.stringify({ order: i })) });
  // The consumer takes each message and never acks it: once its invisible time (1 s) runs out, the group's one attempt is spent.
  const dlqCount = async () => (await api<{ deadLetters: number }>(page.request, 'query', 'group.get', { instanceId, name: group })).data?.deadLetters;
  await expect
    .poll(
      async () => {
        await consumer.receive(16, 1_000);
        return dlqCount();
      },
      { timeout: 30_000, intervals: [500] },
    )
    .toBe(LETTERS);
  await consumer.shutdown();
  await producer.shutdown();

  await page.goto(`/instances/${instanceId}/groups`);
  await page.getByLabel('Search groups').fill(group);
  await expect(page.getByTestId(`dlq-${group}`)).toHaveText(String(LETTERS));
  await shoot(page, 'groups-dead-letters');
  await page.getByRole('link', { name: group }).click();
  await expect(page.getByTestId('group-dlq')).toHaveText(String(LETTERS));
  await page.getByTestId('group-dlq').click();

  await expect(page.getByRole('heading', { name: `Dead letters of ${group}` })).toBeVisible();
  await expect(page.getByTestId('dlq-count')).toHaveText(String(LETTERS));
  const table = page.getByRole('table', { name: 'Dead letters' });
  await expect(table.getByRole('row')).toHaveCount(LETTERS + 1);
  await expect(table.getByText('invisible time expired')).toHaveCount(LETTERS);
  await expect(table.getByRole('link', { name: topic })).toHaveCount(LETTERS);
  // Each row leads to the original message's page.
  await expect(table.getByRole('row').nth(1).getByRole('link').first()).toHaveAttribute('href', new RegExp(`^/instances/${instanceId}/messages/[0-9A-F]+$`));
  await shoot(page, 'dead-letters');

  // The Messages page's filters, on the server.
  await page.getByLabel('Tag').fill('paid');
  await page.getByRole('button', { name: 'Filter', exact: true }).click();
  await expect(table.getByRole('row')).toHaveCount(3);
  await table.getByRole('button', { name: 'Show details' }).first().click();
  await expect(table.getByText(/not acknowledged after 1 of 1 deliveries/)).toBeVisible();
  await table.getByRole('button', { name: 'Hide details' }).click();
  await page.getByRole('button', { name: 'Clear' }).click();
  await expect(table.getByRole('row')).toHaveCount(LETTERS + 1);

  // When they were dead-lettered: a range that starts after them lists none, and the export and "all matching" take the same range.
  await page.getByLabel('From', { exact: true }).fill('2999-01-01T00:00');
  await page.getByRole('button', { name: 'Filter', exact: true }).click();
  await expect(page.getByText('No dead letter matches the filters.')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Export NDJSON' })).toHaveAttribute('href', new RegExp(`[?&]begin=${new Date('2999-01-01T00:00').getTime()}(&|$)`));
  await expect(page.getByRole('button', { name: 'Resend all matching' })).toBeVisible();
  await page.getByRole('button', { name: 'Clear' }).click();
  await expect(table.getByRole('row')).toHaveCount(LETTERS + 1);

  // Everything back to the group: a background job whose bar reaches the end.
  await page.getByRole('button', { name: 'Resend all' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Resend' }).click();
  const job = page.getByTestId('job-progress');
  await expect(job).toHaveAttribute('data-state', 'DONE', { timeout: 20_000 });
  await expect(job.getByRole('progressbar')).toHaveAttribute('aria-valuenow', String(LETTERS));
  await expect(job).toContainText(`resent ${LETTERS}`);
  await expect(table.getByTestId('resent')).toHaveCount(LETTERS);
  await shoot(page, 'dead-letters-resent');

  // A selection (rows are letters, named by their DLQ offset): resent again as a job, then purged.
  const rows = table.getByRole('row');
  await rows.nth(1).getByRole('checkbox').check();
  await rows.nth(2).getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Resend selected (2)' }).click();
  await expect(job).toHaveAttribute('data-state', 'DONE', { timeout: 20_000 });
  await expect(job).toContainText('resent 2');
  await rows.nth(1).getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Purge selected (1)' }).click();
  const purgeDialog = page.getByRole('dialog');
  await purgeDialog.getByLabel('Type purge to confirm').fill('purge');
  await purgeDialog.getByRole('button', { name: 'Purge' }).click();
  await expect(page.getByTestId('dlq-count')).toHaveText(String(LETTERS - 1));
  await expect(table.getByRole('row')).toHaveCount(LETTERS);

  // Purge the whole DLQ: the group's name must be typed.
  await page.getByRole('button', { name: 'Purge all' }).click();
  const dialog = page.getByRole('dialog', { name: 'Purge the whole DLQ' });
  await expect(dialog.getByRole('button', { name: 'Purge all' })).toBeDisabled();
  await dialog.getByLabel(`Type ${group} to confirm`).fill(group);
  await dialog.getByRole('button', { name: 'Purge all' }).click();
  await expect(page.getByTestId('dlq-count')).toHaveText('0');
  await expect(page.getByText('No dead letters.')).toBeVisible();
  // Nothing left to purge.
  await expect(page.getByRole('button', { name: 'Purge all' })).toBeDisabled();
});
