import { api, createTopic, defaultInstanceId, expect, shoot, test, uniq } from './helpers.ts';

test('the audit table has column headers, names instances instead of ids, expands to what changed, and its pager looks disabled', async ({ admin: page }) => {
  const instanceId = await defaultInstanceId(page.request);
  const topic = uniq('audited');
  await createTopic(page.request, instanceId, topic);
  await api(page.request, 'mutation', 'topic.create', { instanceId, name: topic });

  await page.goto('/audit');
  const table = page.getByRole('table', { name: 'Audit events' });
  for (const header of ['When', 'User', 'Action', 'Target', 'Result']) await expect(table.getByRole('columnheader', { name: header })).toBeVisible();
  await page.getByLabel('Filter by action').fill('topic.create');
  const failed = table.getByRole('row', { name: /TOPIC_EXISTS/ }).first();
  await expect(failed).toContainText(`default / ${topic}`);
  await expect(failed).not.toContainText(instanceId);
  await failed.getByRole('button', { name: 'Show details' }).click();
  const detail = table.locator('tr:has(dl)');
  await expect(detail).toContainText('name');
  await expect(detail).toContainText(topic);
  await expect(detail).toContainText('TOPIC_EXISTS');

  const previous = page.getByRole('button', { name: 'Previous' });
  await expect(previous).toBeDisabled();
  await expect(previous).toHaveCSS('cursor', 'not-allowed');
  // The same kind of button, enabled (Sign out), looks different.
  const enabledColor = await page.getByRole('button', { name: 'Sign out' }).evaluate((e) => getComputedStyle(e).color);
  expect(await previous.evaluate((e) => getComputedStyle(e).color)).not.toBe(enabledColor);
  await shoot(page, 'audit');
});

test('dark theme: native controls follow it, the theme switch shows the current theme, disabled buttons stay readable', async ({ admin: page }) => {
  const instanceId = await defaultInstanceId(page.request);
  await page.goto(`/instances/${instanceId}/topics`);
  const theme = page.getByRole('group', { name: 'Theme' });
  await expect(theme.getByRole('button', { name: 'System' })).toHaveAttribute('aria-pressed', 'true');
  await theme.getByRole('button', { name: 'Dark' }).click();
  await expect(theme.getByRole('button', { name: 'Dark' })).toHaveAttribute('aria-pressed', 'true');
  await expect(theme.getByRole('button', { name: 'Light' })).toHaveAttribute('aria-pressed', 'false');
  await expect(page.locator('html')).toHaveCSS('color-scheme', 'dark');
  // The choice survives a reload.
  await page.reload();
  await expect(page.getByRole('group', { name: 'Theme' }).getByRole('button', { name: 'Dark' })).toHaveAttribute('aria-pressed', 'true');

  // A disabled button: text still contrasts with its fill (WCAG AA for its size: 4.5:1).
  await page.getByRole('button', { name: 'Create topic' }).click();
  const create = page.getByRole('dialog').getByRole('button', { name: 'Create topic' });
  await expect(create).toBeDisabled();
  const ratio = await create.evaluate((e) => {
    // Colours may be oklch(): let a canvas turn each into sRGB bytes.
    const ctx = document.createElement('canvas').getContext('2d')!;
    const rgb = (c: string) => {
      ctx.clearRect(0, 0, 1, 1);
      ctx.fillStyle = c;
      ctx.fillRect(0, 0, 1, 1);
      return [...ctx.getImageData(0, 0, 1, 1).data.slice(0, 3)];
    };
    const lum = ([r, g, b]: number[]) => {
      const ch = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * ch(r!) + 0.7152 * ch(g!) + 0.0722 * ch(b!);
    };
    const s = getComputedStyle(e);
    const [a, b] = [lum(rgb(s.color)), lum(rgb(s.backgroundColor))].sort((x, y) => y - x);
    return (a! + 0.05) / (b! + 0.05);
  });
  expect(ratio).toBeGreaterThanOrEqual(4.5);
  await page.keyboard.press('Escape');

  await theme.getByRole('button', { name: 'Light' }).click();
  await expect(page.locator('html')).toHaveCSS('color-scheme', 'light');
  await theme.getByRole('button', { name: 'System' }).click();
});

test('create forms open behind a button, so every list comes first', async ({ admin: page }) => {
  const instanceId = await defaultInstanceId(page.request);
  for (const [path, field] of [
    ['/', 'Instance name'],
    [`/instances/${instanceId}/topics`, 'Topic name'],
    [`/instances/${instanceId}/groups`, 'Group name'],
    [`/instances/${instanceId}/namespaces`, 'Namespace name'],
    ['/users', 'Username'],
  ] as const) {
    await page.goto(path);
    await expect(page.getByRole('table')).toBeVisible();
    await expect(page.getByLabel(field)).toHaveCount(0);
  }
});
