import { createTopic, defaultInstanceId, expect, startProducer, test, uniq, withTraffic } from './helpers.ts';

// A browser in New York: every time the console shows or takes is on its clock, not UTC.
test.use({ timezoneId: 'America/New_York' });

test('in New York, "Replay from" defaults to an hour ago on the local clock and the preview replays, never skips', async ({ admin: page }) => {
  const traffic = await withTraffic(page.request, 'tz');
  const { instanceId, topic, group } = traffic;
  for (let i = 0; i < 3; i++) await traffic.producer.send({ topic, body: Buffer.from(`tz ${i}`) });

  await page.goto(`/instances/${instanceId}/groups/${group}`);
  await expect(page.getByTestId('group-lag')).toHaveText('3', { timeout: 15_000 });
  const input = page.getByLabel('Replay from', { exact: true }).and(page.locator('input[type=datetime-local]'));
  const value = await input.inputValue();
  // The picker's wall-clock value, read back on the browser's (New York) clock, is an hour ago.
  const picked = await page.evaluate((v) => new Date(v).getTime(), value);
  expect(Math.abs(picked - (Date.now() - 3_600_000))).toBeLessThan(2 * 60_000);
  await expect(page.getByText('America/New_York')).toBeVisible();
  // The three messages were stored after that time: replaying from it changes nothing (UTC would skip them).
  await expect(page.getByTestId('reset-preview')).toHaveText('Changes nothing.');
  await traffic.close();
});

test('times show in one local format with the zone, and the relative time beside or on hover', async ({ admin: page }) => {
  const instanceId = await defaultInstanceId(page.request);
  const topic = uniq('tz-topic');
  await createTopic(page.request, instanceId, topic);
  const producer = await startProducer([topic]);
  const receipt = await producer.send({ topic, body: Buffer.from('when?') });
  await producer.shutdown();

  await page.goto(`/instances/${instanceId}/topics`);
  // The suite shares one console: other specs' topics may push this one past the first page.
  await page.getByPlaceholder('Search topics').fill(topic);
  const cell = page.getByRole('row', { name: new RegExp(topic) }).locator('time');
  await expect(cell).toHaveText(/^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{2}:\d{2}:\d{2} E[SD]T$/, { timeout: 15_000 });
  await expect(cell).toHaveAttribute('title', /ago|now/);

  await page.goto(`/instances/${instanceId}/messages?id=${receipt.messageId}`);
  const stored = page.locator('dt', { hasText: 'Stored' }).locator('..').locator('time');
  await expect(stored).toHaveText(/E[SD]T\s*\((\d+ seconds? ago|now)\)$/);
  // The ISO instant stays machine-readable.
  await expect(stored).toHaveAttribute('datetime', /Z$/);
});
