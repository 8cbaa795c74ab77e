import pb from 'rocketmq-client-nodejs/proto/apache/rocketmq/v2/definition_pb.js';
import { api, createTopic, defaultInstanceId, expect, shoot, signIn, startProducer, test, uniq } from './helpers.ts';

const MINUTE = 60_000;

test('a scheduled message shows its own topic and "Scheduled for"; the topic charts due minutes and an operator recalls one, audited', async ({ admin: page, browser }) => {
  const instanceId = await defaultInstanceId(page.request);
  const topic = uniq('later');
  await createTopic(page.request, instanceId, topic, 'DELAY');
  for (const minutes of [20, 45]) {
    const r = await api(page.request, 'mutation', 'topic.send', { instanceId, name: topic, body: `in ${minutes} min`, deliverAt: Date.now() + minutes * MINUTE });
    expect(r.status).toBe(200);
  }

  // The send form takes a delivery time on the local clock.
  await page.goto(`/instances/${instanceId}/topics/${topic}`);
  await page.getByRole('button', { name: 'Send message' }).click();
  const drawer = page.getByRole('dialog');
  await drawer.getByLabel('Body').fill('from the form');
  const local = await page.evaluate((ms) => {
    const d = new Date(ms);
    const p = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  }, Date.now() + 10 * MINUTE);
  await drawer.getByLabel('Deliver at').fill(local);
  await drawer.getByRole('button', { name: 'Send' }).click();
  const result = page.getByTestId('send-result');
  await expect(result).toContainText('Stored (scheduled) as');
  const messageId = (await result.locator('code').textContent())!;
  await drawer.getByRole('button', { name: 'Close' }).click();

  // Three bars with axes and labels; each waiting message listed soonest first.
  const chart = page.getByRole('img', { name: 'Scheduled messages by due minute' });
  await expect(chart).toContainText('Messages');
  await expect(chart).toContainText('Due minute');
  await expect(page.getByRole('heading', { name: 'Scheduled messages (3)' })).toBeVisible({ timeout: 15_000 });
  const waiting = page.getByRole('table', { name: 'Waiting scheduled messages' });
  await expect(waiting.getByRole('row')).toHaveCount(4);
  await expect(waiting.getByRole('row').nth(1)).toContainText(messageId);
  await shoot(page, 'topic-delay');

  await page.goto(`/instances/${instanceId}/messages?id=${messageId}`);
  await expect(page.getByTestId('message-topic')).toHaveText(topic);
  await expect(page.getByTestId('held-state')).toContainText('Scheduled for');
  await expect(page.getByText('rmq_sys_timer')).toHaveCount(0);

  // Recall it from the topic page, behind a confirmation.
  await page.goto(`/instances/${instanceId}/topics/${topic}`);
  await page.getByRole('button', { name: `Recall ${messageId}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Recall message' }).click();
  await expect(page.getByTestId('toasts')).toContainText(`Recalled ${messageId}`);
  await expect(waiting.getByRole('row')).toHaveCount(3);
  await page.goto(`/instances/${instanceId}/messages?id=${messageId}`);
  await expect(page.getByTestId('held-state')).toContainText('Recalled');

  await page.goto('/audit');
  await page.getByLabel('Filter by action').fill('topic.recall');
  const row = page.getByRole('row', { name: new RegExp(topic) }).first();
  await expect(row).toContainText(`default / ${topic}`);

  // Viewers see the schedule, not the recall.
  await api(page.request, 'mutation', 'user.create', { username: 'vic', password: 'viewer-pass-2', role: 'viewer' });
  const context = await browser.newContext();
  const viewer = await context.newPage();
  await signIn(viewer, { username: 'vic', password: 'viewer-pass-2' });
  await viewer.goto(`/instances/${instanceId}/topics/${topic}`);
  await expect(viewer.getByRole('table', { name: 'Waiting scheduled messages' }).getByRole('row')).toHaveCount(3);
  await expect(viewer.getByRole('button', { name: /^Recall/ })).toHaveCount(0);
  await context.close();
});

test('a DELAY topic with nothing waiting shows the chart empty state', async ({ admin: page }) => {
  const instanceId = await defaultInstanceId(page.request);
  const topic = uniq('idle');
  await createTopic(page.request, instanceId, topic, 'DELAY');
  await page.goto(`/instances/${instanceId}/topics/${topic}`);
  await expect(page.getByText('No scheduled message is waiting.')).toBeVisible();
  await expect(page.getByRole('img', { name: 'Scheduled messages by due minute' })).toHaveCount(0);
});

test('a half message shows its own topic and "waiting for commit"; an operator commits one and rolls back another, audited', async ({ admin: page }) => {
  const instanceId = await defaultInstanceId(page.request);
  const topic = uniq('txn');
  await createTopic(page.request, instanceId, topic, 'TRANSACTION');
  const producer = await startProducer([topic], { checker: { check: async () => pb.TransactionResolution.TRANSACTION_RESOLUTION_UNSPECIFIED } });
  const first = await producer.send({ topic, body: Buffer.from('commit me') }, producer.beginTransaction());
  const second = await producer.send({ topic, body: Buffer.from('roll me back') }, producer.beginTransaction());
  // The producer goes away without ending either: the console must.
  await producer.shutdown();

  await page.goto(`/instances/${instanceId}/messages?id=${first.messageId}`);
  await expect(page.getByTestId('message-topic')).toHaveText(topic);
  await expect(page.getByTestId('held-state')).toContainText('Half message: waiting for commit');
  await expect(page.getByText('RMQ_SYS_TRANS_HALF_TOPIC')).toHaveCount(0);

  await page.goto(`/instances/${instanceId}/topics/${topic}`);
  const halves = page.getByRole('table', { name: 'Half messages' });
  await expect(halves.getByRole('row')).toHaveCount(3);
  await shoot(page, 'topic-transaction');
  await page.getByRole('button', { name: `Commit ${first.messageId}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Commit' }).click();
  await expect(page.getByTestId('toasts')).toContainText(`Message ${first.messageId} committed`);
  await expect(halves.getByRole('row')).toHaveCount(2);

  // Rolled back from the message's own page.
  await page.goto(`/instances/${instanceId}/messages?id=${second.messageId}`);
  await page.getByRole('button', { name: `Roll back ${second.messageId}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Roll back' }).click();
  await expect(page.getByTestId('held-state')).toContainText('Rolled back', { timeout: 10_000 });

  await page.goto(`/instances/${instanceId}/messages?id=${first.messageId}`);
  await expect(page.getByTestId('trace')).toContainText('COMMITTED');
  await expect(page.getByTestId('held-state')).toHaveCount(0);

  await page.goto('/audit');
  await page.getByLabel('Filter by action').fill('topic.endTransaction');
  await expect(page.getByRole('row', { name: new RegExp(topic) })).toHaveCount(2);
});
