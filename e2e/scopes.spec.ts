import { api, defaultInstanceId, expect, signIn, test, uniq } from './helpers.ts';

test('a scoped console operator sees only their namespace and gets FORBIDDEN elsewhere', async ({ admin: page, browser }) => {
  const instanceId = await defaultInstanceId(page.request);
  const mine = uniq('team');
  const theirs = uniq('other');
  for (const namespace of [mine, theirs]) {
    expect((await api(page.request, 'mutation', 'namespace.create', { instanceId, name: namespace })).status).toBe(200);
    expect((await api(page.request, 'mutation', 'topic.create', { instanceId, namespace, name: `${namespace}-events` })).status).toBe(200);
  }
  const username = uniq('scoped');
  const password = 'scoped-operator-pass';

  await page.locator('aside').getByText('Users').click();
  await page.getByRole('button', { name: 'Add user' }).click();
  const create = page.getByRole('dialog');
  await create.getByLabel('Username').fill(username);
  await create.getByLabel('Password').fill(password);
  await create.getByLabel('New role').selectOption('operator');
  await create.getByRole('button', { name: 'Add user' }).click();
  const row = page.getByRole('row').filter({ has: page.getByRole('cell', { name: username, exact: true }) });
  await expect(row.getByText('All instances')).toBeVisible();

  await row.getByRole('button', { name: 'Edit scope' }).click();
  const scope = page.getByRole('dialog', { name: `Scope of ${username}` });
  await scope.getByLabel('All instances and namespaces').uncheck();
  await expect(scope.getByText('Choose at least one instance')).toBeVisible();
  await scope.getByLabel('default', { exact: true }).check();
  await scope.getByLabel('Namespaces on default').fill('bad name!');
  await expect(scope.getByRole('alert')).toContainText('A namespace is');
  await scope.getByLabel('Namespaces on default').fill(mine);
  await scope.getByRole('button', { name: 'Save scope' }).click();
  await expect(row.getByText(`default: ${mine}`)).toBeVisible();

  const context = await browser.newContext();
  const operator = await context.newPage();
  await signIn(operator, { username, password });
  await operator.goto(`/instances/${instanceId}/topics`);
  await expect(operator.getByText(`${mine}-events`)).toBeVisible();
  await expect(operator.getByText(`${theirs}-events`)).toHaveCount(0);

  const other = await api(operator.request, 'query', 'topic.get', { instanceId, name: `${theirs}%${theirs}-events` });
  expect(other.status).toBe(403);
  expect(other.error?.data.appCode).toBe('FORBIDDEN');
  const outside = await api(operator.request, 'mutation', 'topic.create', { instanceId, namespace: theirs, name: 'sneaky' });
  expect(outside.status).toBe(403);
  await context.close();
});
