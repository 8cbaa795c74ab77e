import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTopic, defaultInstanceId, expect, shoot, startProducer, test, uniq } from './helpers.ts';

const MESSAGES = 12;

function tempFile(name: string, text: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-e2e-')), name);
  fs.writeFileSync(file, text);
  return file;
}

test('a topic exported as NDJSON imports into another topic with a preview and a progress bar, and its messages are there', async ({ admin: page }) => {
  const instanceId = await defaultInstanceId(page.request);
  const from = uniq('export-src');
  const to = uniq('import-dst');
  await createTopic(page.request, instanceId, from);
  await createTopic(page.request, instanceId, to);
  const producer = await startProducer([from]);
  for (let i = 0; i < MESSAGES; i++) await producer.send({ topic: from, tag: 'created', keys: [`order-${i}`], properties: new Map([['region', 'eu']]), body: Buffer.from(JSON.stringify({ order: i })) });
  await producer.shutdown();

  // The export route, as the topic page's link downloads it.
  await page.goto(`/instances/${instanceId}/topics/${from}`);
  const href = await page.getByRole('link', { name: 'Export NDJSON' }).getAttribute('href');
  const res = await page.request.get(href!);
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toBe('application/x-ndjson');
  const file = await res.text();
  expect(file.trim().split('\n')).toHaveLength(MESSAGES);

  await page.goto(`/instances/${instanceId}/topics/${to}`);
  await page.getByRole('button', { name: 'Import messages' }).click();
  const drawer = page.getByRole('dialog', { name: `Import messages into ${to}` });
  await drawer.getByLabel('NDJSON file').setInputFiles(tempFile(`${from}.ndjson`, file));
  await expect(drawer.getByTestId('import-check')).toHaveText(`Checked ${MESSAGES} lines: ${MESSAGES} valid.`);
  await expect(drawer.getByRole('table', { name: 'Preview' }).getByRole('row')).toHaveCount(6);
  await expect(drawer.getByRole('table', { name: 'Preview' })).toContainText('order-0');
  await shoot(page, 'import-preview');
  await drawer.getByRole('button', { name: `Import ${MESSAGES} messages` }).click();
  await expect(drawer.getByTestId('import-done')).toContainText(`Imported ${MESSAGES} messages.`);
  await expect(drawer.getByRole('progressbar', { name: 'Messages imported' })).toHaveAttribute('aria-valuenow', String(MESSAGES));
  await shoot(page, 'import-done');

  await drawer.getByRole('link', { name: 'See them in Messages' }).click();
  await expect(page.getByRole('table', { name: 'Messages found' }).getByRole('row')).toHaveCount(MESSAGES + 1);
});

test('a file with a bad line names the line, in the browser and from the server', async ({ admin: page }) => {
  const instanceId = await defaultInstanceId(page.request);
  const topic = uniq('import-bad');
  await createTopic(page.request, instanceId, topic);
  const lines = ['{"body":"one"}', '{"body":"two","tag":"a|b"}', '{"body":"three"}', '{"tag":"no body"}'].join('\n');

  await page.goto(`/instances/${instanceId}/topics/${topic}`);
  await page.getByRole('button', { name: 'Import messages' }).click();
  const drawer = page.getByRole('dialog', { name: `Import messages into ${topic}` });
  await drawer.getByLabel('NDJSON file').setInputFiles(tempFile('bad.ndjson', lines));
  const errors = drawer.getByTestId('import-errors');
  await expect(errors).toContainText('2 lines are not a message this topic takes');
  await expect(errors).toContainText('Line 2: tag: Tag "a|b" is invalid');
  await expect(errors).toContainText('Line 4: body: Give the body as exactly one of');
  await expect(drawer.getByRole('button', { name: /^Import/ })).toBeDisabled();
  await shoot(page, 'import-bad-file');

  // The server checks every line too, whatever sent the file: the same lines, and nothing stored.
  const res = await page.request.post(`/api/instances/${instanceId}/messages/import?topic=${topic}`, { data: lines, headers: { 'content-type': 'application/x-ndjson' } });
  expect(res.status()).toBe(200);
  const events = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { type: string; line?: number; imported?: number });
  expect(events.filter((e) => e.type === 'invalid').map((e) => e.line)).toEqual([2, 4]);
  expect(events.at(-1)).toMatchObject({ type: 'done', imported: 0, complete: false });
});
