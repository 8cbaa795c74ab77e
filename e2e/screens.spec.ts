import { expect, shoot, test, withTraffic } from './helpers.ts';

// The narrowest desktop the console is built for.
test.use({ viewport: { width: 1024, height: 768 } });

test('every page at 1024 px, light and dark (test-results/screens/*-1024-*.png)', async ({ admin: page }) => {
  test.setTimeout(120_000);
  // No page throws or logs an error on the way (failed requests, like the 404 below, are the network's).
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && problems.push(m.text()));
  const traffic = await withTraffic(page.request, 'screens');
  const { instanceId, topic, group } = traffic;
  const receipt = await traffic.producer.send({ topic, body: Buffer.from('{"screenshot": true}'), keys: ['k-1'], tag: 'shot', properties: new Map([['source', 'e2e']]) });

  const pages: [string, string, () => Promise<unknown>][] = [
    ['overview', '/', () => expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible()],
    ['topics', `/instances/${instanceId}/topics`, () => expect(page.getByTestId(`count-${topic}`)).toHaveText('1', { timeout: 15_000 })],
    ['topic-detail', `/instances/${instanceId}/topics/${topic}`, () => expect(page.getByRole('table', { name: 'Queues' })).toBeVisible()],
    ['groups', `/instances/${instanceId}/groups`, () => expect(page.getByTestId(`backlog-${group}`)).toBeVisible()],
    ['group', `/instances/${instanceId}/groups/${group}`, () => expect(page.getByTestId('retry-schedule')).toBeVisible()],
    ['dead-letters', `/instances/${instanceId}/groups/${group}/dead-letters`, () => expect(page.getByRole('search', { name: 'Filter dead letters' })).toBeVisible()],
    ['message', `/instances/${instanceId}/messages?id=${receipt.messageId}`, () => expect(page.getByTestId('trace')).toContainText('STORED')],
    ['namespaces', `/instances/${instanceId}/namespaces`, () => expect(page.getByRole('table', { name: 'Namespaces' })).toBeVisible()],
    ['clients', `/instances/${instanceId}/clients`, () => expect(page.getByRole('table', { name: 'Connected clients' }).getByText(group).first()).toBeVisible({ timeout: 15_000 })],
    ['settings', `/instances/${instanceId}/settings`, () => expect(page.getByTestId('instance-status')).toHaveText('running')],
    ['audit', '/audit', () => expect(page.getByRole('table', { name: 'Audit events' }).getByRole('row').nth(1)).toBeVisible()],
    ['users', '/users', () => expect(page.getByRole('cell', { name: 'admin', exact: true }).first()).toBeVisible()],
    ['topic-not-found', `/instances/${instanceId}/topics/nope`, () => expect(page.getByTestId('not-found')).toBeVisible()],
  ];
  for (const [name, path, ready] of pages) {
    await page.goto(path);
    await ready();
    await shoot(page, `${name}-1024`);
  }

  await page.goto(`/instances/${instanceId}/topics/${topic}`);
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByRole('dialog').getByLabel('Tag').fill('bad|tag');
  await shoot(page, 'send-drawer-1024');
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Delete topic' }).click();
  await shoot(page, 'confirm-dialog-1024');
  await page.keyboard.press('Escape');
  await traffic.close();
  expect(problems).toEqual([]);
});
