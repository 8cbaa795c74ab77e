import { CHECK_NAMES } from '../server/prober/model.ts';
import { expect, shoot, test } from './helpers.ts';

test.use({ viewport: { width: 1280, height: 900 } });

test('turning the prober on for the default instance turns every check row OK (test-results/screens/health-*.png)', async ({ admin: page }) => {
  // A round takes ~8 s (the delay and redelivery checks wait on purpose), the page refreshes every 15 s.
  test.setTimeout(120_000);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));

  await page.goto('/health');
  const card = page.getByTestId('health-default');
  await expect(card.getByText('Turn on the prober to check default')).toBeVisible();
  await shoot(page, 'health-off');

  await page.getByLabel('Prober interval of default').selectOption('10');
  await expect(page.getByLabel('Prober interval of default')).toHaveValue('10');
  const toggle = page.getByRole('switch', { name: 'Prober of default' });
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByRole('table', { name: 'Prober checks of default' })).toBeVisible();

  for (const check of CHECK_NAMES) {
    await expect(card.getByTestId(`check-${check}`), `${check} turns OK`).toHaveAttribute('data-ok', 'true', { timeout: 60_000 });
  }
  await expect(card.getByTestId('check-normal').locator('[data-state="ok"]')).toHaveCount(1);
  await shoot(page, 'health-on');

  // Leave the shared console as it was: the prober off.
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-checked', 'false');
  expect(problems).toEqual([]);
});
