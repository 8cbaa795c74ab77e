import fs from 'node:fs';
import type { Page } from '@playwright/test';
import { api, createGroup, createTopic, defaultInstanceId, expect, shoot, startConsumer, startProducer, test, uniq } from './helpers.ts';

const MINUTE = 60_000;

/** A topic with a few orders: keys (one shared by all), a region property, JSON bodies, one with a needle. */
async function ordersTopic(page: Page) {
  const instanceId = await defaultInstanceId(page.request);
  const topic = uniq('orders');
  await createTopic(page.request, instanceId, topic);
  const producer = await startProducer([topic]);
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const body = JSON.stringify({ order: { id: i, sku: `sku-${i}` }, note: i === 4 ? 'needle' : 'hay' });
    const receipt = await producer.send({ topic, tag: i % 2 ? 'paid' : 'created', keys: [`order-${i}`, 'customer-9'], properties: new Map([['region', i < 2 ? 'eu-west' : 'us-east']]), body: Buffer.from(body) });
    ids.push(receipt.messageId);
  }
  await producer.shutdown();
  return { instanceId, topic, ids };
}

function results(page: Page) {
  return page.getByRole('table', { name: 'Messages found' });
}

/** Data rows of the results table (the header row is not one). */
function rows(page: Page) {
  return results(page).locator('tbody tr');
}

test('find by key, filter by property and by body on the server, open the detail and download the body', async ({ admin: page }) => {
  const { instanceId, topic, ids } = await ordersTopic(page);

  // By key: every message sharing it, newest first.
  await page.goto(`/instances/${instanceId}/messages`);
  await page.getByRole('tab', { name: 'Message key' }).click();
  await page.getByLabel('Topic', { exact: true }).selectOption(topic);
  await page.getByLabel('Message key').fill('customer-9');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(rows(page)).toHaveCount(6);
  await expect(rows(page).first()).toContainText(ids[5]!);
  await expect(page).toHaveURL(/by=key/);
  await expect(page.getByTestId('last-step').first()).toContainText('STORED');
  await shoot(page, 'messages-by-key');

  // By topic and time with a property filter; the search lives in the URL.
  const begin = Date.now() - 30 * MINUTE;
  const end = Date.now() + 5 * MINUTE;
  await page.goto(`/instances/${instanceId}/messages?by=time&topic=${topic}&begin=${begin}&end=${end}`);
  await expect(rows(page)).toHaveCount(6);
  await page.getByLabel('Property', { exact: true }).fill('region');
  await page.getByLabel('Property value').fill('eu-west');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/prop=region/);
  await expect(rows(page)).toHaveCount(2);
  await expect(page.getByTestId('scan-status')).toContainText('6 messages');
  await expect(page.getByTestId('scan-status')).toContainText('the whole range is scanned');

  // The filters check what is typed before anything is sent.
  await page.getByLabel('Tag').fill('a|b');
  await expect(page.getByText("Tag \"a|b\" is invalid")).toBeVisible();
  await expect(page.getByRole('button', { name: 'Search' })).toBeDisabled();
  await page.getByLabel('Tag').fill('');

  await page.getByLabel('Property', { exact: true }).fill('');
  await page.getByLabel('Property value').fill('');
  await page.getByLabel('Body contains').fill('needle');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText(ids[4]!);
  await shoot(page, 'messages-search');

  // Exports: the filtered result, and a selection, as NDJSON.
  const lines = async (name: string | RegExp) => {
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name }).click()]);
    return fs.readFileSync((await file.path())!, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { messageId: string }).messageId);
  };
  expect(await lines('Export results (NDJSON)')).toEqual([ids[4]]);
  await page.getByLabel(`Select ${ids[4]}`).check();
  expect(await lines('Export selected (1)')).toEqual([ids[4]]);

  // The back button returns to the property search.
  await page.goBack();
  await expect(page.getByLabel('Property value')).toHaveValue('eu-west');
  await expect(rows(page)).toHaveCount(2);
  await page.goForward();
  await expect(rows(page)).toHaveCount(1);

  // The detail page: system and user properties, the body pretty-printed, downloads.
  await rows(page).first().getByRole('link', { name: ids[4]! }).click();
  await expect(page).toHaveURL(new RegExp(`/messages/${ids[4]}$`));
  await expect(page.getByTestId('message-topic')).toHaveText(topic);
  await expect(page.getByTestId('message-body')).toContainText('"note": "needle"');
  await expect(page.getByRole('radio', { name: 'JSON' })).toHaveAttribute('aria-checked', 'true');
  await page.getByRole('radio', { name: 'Hex' }).click();
  await expect(page.getByTestId('message-body')).toContainText('00000000  7b 22 6f 72');
  await page.getByRole('radio', { name: 'JSON' }).click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download body' }).click()]);
  expect(JSON.parse(fs.readFileSync((await download.path())!, 'utf8'))).toMatchObject({ note: 'needle' });
  await expect(page.getByTestId('trace')).toContainText('STORED');
  await shoot(page, 'message-detail');
});

test('resend a message: the dialog links to the copy, and both traces link to each other', async ({ admin: page }) => {
  const { instanceId, ids } = await ordersTopic(page);
  const original = ids[0]!;
  await page.goto(`/instances/${instanceId}/messages/${original}`);
  await page.getByRole('button', { name: 'Resend' }).click();
  const dialog = page.getByRole('dialog', { name: 'Resend this message' });
  await dialog.getByRole('button', { name: 'Resend' }).click();
  const link = page.getByTestId('resend-result').getByRole('link');
  const copy = (await link.textContent())!;
  expect(copy).not.toBe(original);
  await link.click();
  await expect(page).toHaveURL(new RegExp(`/messages/${copy}$`));
  const resent = page.getByTestId('trace-step').and(page.locator('[data-step=RESENT]'));
  await expect(resent).toBeVisible();
  await expect(page.getByTestId('trace')).toContainText(`Other message: ${original}`);
  await expect(page.getByTestId('message-body')).toContainText('"id": 0');

  await page.getByTestId('trace').getByRole('link', { name: `Other message: ${original}` }).click();
  await expect(page).toHaveURL(new RegExp(`/messages/${original}$`));
  await expect(page.getByTestId('trace')).toContainText(`Other message: ${copy}`);
  await page.getByRole('button', { name: /^RESENT at step/ }).click();
  await expect(page.getByRole('dialog')).toContainText(`resent as ${copy}`);
  await page.keyboard.press('Escape');
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await expect(page.getByTestId('toasts').getByRole('status')).toHaveCount(0);
  await shoot(page, 'message-trace');
  await page.getByTestId('trace').scrollIntoViewIfNeeded();
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.getByTestId('trace').screenshot({ path: `test-results/screens/trace-timeline-${scheme}.png` });
  }
  await page.emulateMedia({ colorScheme: 'light' });

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download trace JSON' }).click()]);
  const steps = JSON.parse(fs.readFileSync((await download.path())!, 'utf8')) as { step: string; relatedMessageId?: string }[];
  expect(steps.find((s) => s.step === 'RESENT')?.relatedMessageId).toBe(copy);
});

test('dragging across the volume timeline searches the narrower range', async ({ admin: page }) => {
  const { instanceId, topic } = await ordersTopic(page);
  const begin = Date.now() - 20 * MINUTE;
  const end = Date.now() + MINUTE;
  await page.goto(`/instances/${instanceId}/messages?by=time&topic=${topic}&begin=${begin}&end=${end}`);
  await expect(page.getByTestId('volume-total')).toHaveText('6');
  await expect(rows(page)).toHaveCount(6);
  const chart = page.getByRole('img', { name: 'Messages stored per time bucket' });
  await chart.scrollIntoViewIfNeeded();
  const box = (await chart.boundingBox())!;
  // From the middle of the plot to its right edge (the grid leaves 48 px on the left, 16 on the right).
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + 48 + (box.width - 64) * 0.5, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width - 20, y, { steps: 8 });
  await page.mouse.up();
  await expect(page).not.toHaveURL(new RegExp(`begin=${begin}&`));
  const url = new URL(page.url());
  const picked = Number(url.searchParams.get('begin'));
  expect(picked).toBeGreaterThan(begin + 8 * MINUTE);
  expect(Number(url.searchParams.get('end'))).toBeLessThanOrEqual(end);
  // Re-queried: the messages are in the right half, the timeline now spans the narrower range.
  await expect(rows(page)).toHaveCount(6);
  await expect(page.getByTestId('volume-total')).toHaveText('6');
  await page.goBack();
  await expect(page).toHaveURL(new RegExp(`begin=${begin}&`));
});

test('a link with the old ?id= opens the message page; an unknown id says so', async ({ admin: page }) => {
  const { instanceId, ids } = await ordersTopic(page);
  await page.goto(`/instances/${instanceId}/messages?id=${ids[1]}`);
  await expect(page).toHaveURL(new RegExp(`/messages/${ids[1]}$`));
  await page.goto(`/instances/${instanceId}/messages`);
  await page.getByLabel('Message id').fill('no-such-message');
  await page.getByRole('button', { name: 'Look up' }).click();
  await expect(page.getByText('No message has this id on this instance.')).toBeVisible();
  await shoot(page, 'message-not-found');
});

test('verify consumption: a live consumer of the group acks the copy and the page says so; without one the operator is told to start one', async ({ admin: page }) => {
  const instanceId = await defaultInstanceId(page.request);
  const topic = uniq('verify');
  const group = uniq('verify-group');
  await createTopic(page.request, instanceId, topic);
  await createGroup(page.request, instanceId, group);
  const consumer = await startConsumer(group, topic);
  // The group's consumer: receives and acks whatever it gets, until the test stops it.
  const received: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const messages = await consumer.receive(16, 10_000).catch(() => []);
      for (const m of messages) {
        received.push(m.messageId);
        await consumer.ack(m);
      }
    }
  })();
  const producer = await startProducer([topic]);
  const { messageId } = await producer.send({ topic, body: Buffer.from('{"verify": true}') });
  await producer.shutdown();
  await expect.poll(() => received.filter((id) => id === messageId).length, { timeout: 20_000 }).toBe(1);

  await page.goto(`/instances/${instanceId}/messages/${messageId}`);
  await expect(page.getByTestId(`delivery-${group}`)).toHaveText('Acked', { timeout: 15_000 });
  await page.getByRole('button', { name: 'Verify consumption' }).click();
  const dialog = page.getByRole('dialog', { name: 'Verify consumption' });
  await expect(dialog.getByLabel('Consumer group')).toHaveValue(group);
  await dialog.getByRole('button', { name: 'Deliver once more' }).click();
  await expect(page.getByTestId('verification')).toHaveAttribute('data-state', 'ACKED', { timeout: 20_000 });
  await expect(page.getByTestId('verification')).toContainText('Acked: a consumer of the group received and acknowledged it.');
  expect(received.filter((id) => id === messageId)).toHaveLength(2);
  await expect(page.locator('[data-testid=trace-step][data-step=VERIFIED]')).toBeVisible({ timeout: 10_000 });
  await shoot(page, 'message-verified');

  // The consumer goes away: nothing could take a copy now, and the dialog says to start a consumer first.
  running = false;
  await loop;
  await consumer.shutdown();
  await page.getByRole('button', { name: 'Verify consumption' }).click();
  const again = page.getByRole('dialog', { name: 'Verify consumption' });
  await again.getByRole('button', { name: 'Deliver once more' }).click();
  await expect(again).toContainText(`No consumer of group ${group} is connected`);
});

test('a message its consumer keeps rejecting: the retries and the dead letter stand out in the trace and the delivery table', async ({ admin: page }) => {
  const instanceId = await defaultInstanceId(page.request);
  const topic = uniq('failing');
  const group = uniq('failing-group');
  await createTopic(page.request, instanceId, topic);
  const created = await api(page.request, 'mutation', 'group.create', { instanceId, name: group, maxDeliveryAttempts: 2, retryPolicy: { kind: 'customized', delaysMs: [200] } });
  expect(created.status).toBe(200);
  const consumer = await startConsumer(group, topic);
  const producer = await startProducer([topic]);
  const { messageId } = await producer.send({ topic, body: Buffer.from('{"poison": true}') });
  await producer.shutdown();
  // Rejects (nacks) every delivery; the receive after the second attempt's nack moves it to the DLQ.
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const m of await consumer.receive(16, 10_000).catch(() => [])) await consumer.changeInvisibleDuration(m, 0);
    }
  })();
  await page.goto(`/instances/${instanceId}/messages/${messageId}`);
  await expect(page.getByTestId(`delivery-${group}`)).toHaveText('Dead-lettered', { timeout: 20_000 });
  await expect(page.locator('[data-testid=trace-step][data-step=DEAD_LETTERED]')).toBeVisible({ timeout: 10_000 });
  await expect(page.locator('[data-testid=trace-step][data-step=NACKED]')).toHaveCount(2);
  await expect(page.getByTestId('trace')).toContainText('retry');
  running = false;
  await loop;
  await consumer.shutdown();
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.getByTestId('trace').screenshot({ path: `test-results/screens/trace-dead-letter-${scheme}.png` });
  }
  await page.emulateMedia({ colorScheme: 'light' });
});
