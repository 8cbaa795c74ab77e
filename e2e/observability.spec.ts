/**
 * The observability dashboard as an operator uses it: charts that fill from SDK traffic, one range picker per
 * page, a group's lag chart that fills without a reload, and an alert rule made in the form that fires on a
 * backlog and resolves once it drains, notifying a real webhook both times.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { api, expect, shoot, startConsumer, test, withTraffic } from './helpers.ts';

/** The sampler writes every 10 s and needs two snapshots; the evaluator runs every 15 s. */
const CHART_DEADLINE_MS = 60_000;

function chart(page: import('@playwright/test').Page, title: string) {
  return page.locator(`[data-testid="metric-chart"][data-title="${title}"]`);
}

test('the overview, topic and group pages chart SDK traffic over the picked range', async ({ admin: page }) => {
  const request = page.request;
  test.setTimeout(180_000);
  const traffic = await withTraffic(request, 'charts');
  try {
    await page.goto(`/instances/${traffic.instanceId}/groups/${traffic.group}`);
    await expect(chart(page, 'Lag (messages)').getByText('No data in this range yet.')).toBeVisible();
    for (let i = 0; i < 30; i++) await traffic.producer.send({ topic: traffic.topic, body: Buffer.from(`m${i}`) });
    // The consumer subscribed but acks nothing: the group's lag is 30, and its chart fills without a reload.
    await expect(chart(page, 'Lag (messages)').getByTestId('chart')).toBeVisible({ timeout: CHART_DEADLINE_MS });
    await expect(chart(page, 'Lag (time)').getByTestId('chart')).toBeVisible();
    await shoot(page, 'group-charts');

    await page.goto('/');
    await expect(chart(page, 'Messages in').getByTestId('chart')).toBeVisible({ timeout: CHART_DEADLINE_MS });
    await expect(chart(page, 'Backlog').getByTestId('chart')).toBeVisible();
    await page.getByRole('radio', { name: '24 hours' }).click();
    await expect(page).toHaveURL(/range=24h/);
    await expect(page.getByRole('radio', { name: '24 hours' })).toHaveAttribute('aria-checked', 'true');
    await expect(chart(page, 'Messages in').getByTestId('chart')).toBeVisible();
    await shoot(page, 'overview-charts');

    await page.goto(`/instances/${traffic.instanceId}/topics/${traffic.topic}?range=6h`);
    await expect(page.getByRole('radio', { name: '6 hours' })).toHaveAttribute('aria-checked', 'true');
    await expect(chart(page, 'Messages in and out').getByTestId('chart')).toBeVisible({ timeout: CHART_DEADLINE_MS });
    await expect(chart(page, 'Message size').getByTestId('chart')).toBeVisible();
    await expect(chart(page, 'Growth per queue').getByTestId('chart')).toBeVisible();
    await shoot(page, 'topic-charts');
  } finally {
    await traffic.close();
  }
});

test('an alert rule made in the form fires on a backlog and resolves when it drains, notifying a webhook each time', async ({ admin: page }) => {
  const request = page.request;
  test.setTimeout(240_000);
  const received: { kind: string; message: string }[] = [];
  const hook = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      received.push(JSON.parse(body) as { kind: string; message: string });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const traffic = await withTraffic(request, 'alerting');
  try {
    const channelName = `hook-${traffic.group}`;
    const created = await api(request, 'mutation', 'alertChannel.create', { name: channelName, target: { kind: 'webhook', url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alerts` } });
    expect(created.status, JSON.stringify(created.error)).toBe(200);

    await page.goto('/alerts');
    await page.getByRole('button', { name: 'New rule' }).click();
    const form = page.getByRole('dialog');
    await form.getByLabel('Name').fill(`backlog of ${traffic.group}`);
    await form.getByLabel('Instance').selectOption({ label: 'default' });
    await form.getByLabel('Metric').selectOption('backlog');
    await form.getByLabel('Scope').selectOption('group');
    // Validated as typed: a cleared group name is refused before anything is sent.
    await form.getByRole('textbox', { name: 'Group', exact: true }).fill('x');
    await form.getByRole('textbox', { name: 'Group', exact: true }).fill('');
    await expect(form.getByText('Name the group')).toBeVisible();
    await expect(form.getByRole('button', { name: 'Create rule' })).toBeDisabled();
    await form.getByRole('textbox', { name: 'Group', exact: true }).fill(traffic.group);
    await form.getByLabel('Threshold (messages)').fill('5');
    await form.getByLabel('For (minutes)').fill('0');
    await form.getByLabel(channelName).check();
    await form.getByRole('button', { name: 'Create rule' }).click();
    await expect(page.getByRole('row', { name: new RegExp(`backlog of ${traffic.group}`) })).toBeVisible();

    for (let i = 0; i < 10; i++) await traffic.producer.send({ topic: traffic.topic, body: Buffer.from(`b${i}`) });
    await expect(page.getByTestId('active-alerts')).toBeVisible({ timeout: 90_000 });
    await expect(page.getByRole('table', { name: 'Firing alerts' }).getByText(`Backlog (messages) of group ${traffic.group} on default is 10 messages`)).toBeVisible({ timeout: 30_000 });
    await expect.poll(() => received.map((r) => r.kind), { timeout: 30_000 }).toEqual(['fired']);
    await shoot(page, 'alerts-firing');

    // Drain the backlog: the alert resolves after a minute of being fine, with one more notification.
    const drain = await startConsumer(traffic.group, traffic.topic);
    try {
      let acked = 0;
      while (acked < 10) for (const m of await drain.receive(16, 30_000)) acked += (await drain.ack(m), 1);
    } finally {
      await drain.shutdown();
    }
    await expect(page.getByTestId('active-alerts')).toBeHidden({ timeout: 150_000 });
    await expect.poll(() => received.map((r) => r.kind), { timeout: 30_000 }).toEqual(['fired', 'resolved']);
    await expect(page.getByRole('table', { name: 'Alert history' }).getByText(`backlog of ${traffic.group}`)).toBeVisible();
  } finally {
    await traffic.close();
    await new Promise((r) => hook.close(r));
  }
});
