import { createHmac } from 'node:crypto';
import type { Page } from '@playwright/test';
import { closedPort, startWebhookReceiver } from '../server/alerts/test-receivers.ts';
import { expect, shoot, test, uniq } from './helpers.ts';

const SECRET = 'e2e-signing-secret-0123456789';

async function addWebhook(page: Page, name: string, url: string, secret?: string): Promise<void> {
  await page.getByRole('button', { name: 'Add channel' }).first().click();
  const drawer = page.getByRole('dialog', { name: 'Add a notification channel' });
  await drawer.getByLabel('Name', { exact: true }).fill(name);
  await drawer.getByLabel('URL', { exact: true }).fill(url);
  if (secret) {
    // The form checks the rule as it is typed, before anything is sent.
    await drawer.getByLabel('Signing secret').fill('too-short');
    await expect(drawer.getByText('At least 16 characters')).toBeVisible();
    await drawer.getByLabel('Signing secret').fill(secret);
  }
  await drawer.getByRole('button', { name: 'Add channel' }).click();
  await expect(drawer).toBeHidden();
}

async function dismissToasts(page: Page): Promise<void> {
  const dismiss = page.getByTestId('toasts').getByRole('button', { name: 'Dismiss' });
  while ((await dismiss.count()) > 0) await dismiss.first().click();
}

test('a webhook channel delivers a signed test; one on a closed port shows the failure on the channel', async ({ admin: page }) => {
  const receiver = await startWebhookReceiver();
  const port = await closedPort();
  const good = uniq('hook-ok');
  const bad = uniq('hook-down');
  try {
    await page.goto('/alerts/channels');
    await expect(page.getByRole('heading', { name: 'Notification channels' })).toBeVisible();

    await addWebhook(page, good, receiver.url, SECRET);
    const goodRow = page.getByRole('row').filter({ hasText: good });
    await expect(goodRow).toContainText('(signed)');
    await goodRow.getByRole('button', { name: `Send test on ${good}` }).click();
    await expect(page.getByTestId('toasts')).toContainText(`Test notification delivered on ${good}.`);
    await expect(goodRow).toContainText('delivered');
    expect(receiver.requests).toHaveLength(1);
    const req = receiver.requests[0]!;
    expect(req.headers['x-meridian-event']).toBe('test');
    expect(req.headers['x-meridian-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(req.body).digest('hex')}`);

    await addWebhook(page, bad, `http://127.0.0.1:${port}/hook`);
    const badRow = page.getByRole('row').filter({ hasText: bad });
    await badRow.getByRole('button', { name: `Send test on ${bad}` }).click();
    await expect(page.getByTestId('toasts')).toContainText(`Test on ${bad} failed: Could not reach 127.0.0.1:${port}: connection refused`);
    await expect(page.getByTestId(`channel-error-${bad}`)).toContainText('connection refused');
    await badRow.getByRole('button', { name: 'Show details' }).click();
    const deliveries = page.getByRole('table', { name: `Deliveries of ${bad}` });
    await expect(deliveries).toContainText('failed');
    await expect(deliveries).toContainText('connection refused');

    // The secret went to the receiver's signature only, never to the page.
    expect(await page.content()).not.toContain(SECRET);
    await dismissToasts(page);
    await shoot(page, 'alert-channels');

    // Editing shows that a secret is set, never the secret itself.
    await goodRow.getByRole('button', { name: 'Edit' }).click();
    const drawer = page.getByRole('dialog', { name: `Edit channel ${good}` });
    await expect(drawer.getByText('A secret is set; leave blank to keep it.')).toBeVisible();
    await expect(drawer.getByLabel('Signing secret')).toHaveValue('');
    await shoot(page, 'alert-channel-edit');
  } finally {
    await receiver.close();
  }
});
