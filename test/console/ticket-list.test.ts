/**
 * The ticket list (issue 20, item 6, part): sorting by a column, kept in the URL with the filters
 * (a reload shows the same order), and 导出 of the filtered list as CSV and XLSX with Chinese
 * headers, every page, without the citizen's number; a unit exports only its own tickets.
 */
import t from 'tap';
import type { Browser } from 'playwright-core';
import { testApp } from '../helpers/app.js';
import { BROWSER, ensureConsoleBuilt, launch, login, watchedPage, workingMorning } from './browser.js';

t.test('ticket list: sort in the URL, export of the filtered list', { skip: BROWSER.skip }, async (t) => {
  await ensureConsoleBuilt();
  const h = await testApp(t, { now: workingMorning(), env: { SUBAN_COOKIE_SECURE: 'false' } });
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
  const browser: Browser = await launch();
  t.teardown(() => browser.close());
  const made: { number: string; category: string }[] = [];
  for (const [content, unit, category] of [
    ['解放路的路灯坏了好几天', '市城管局', '求助'],
    ['小区停水两天了', '润泉供水公司', '投诉'],
    ['建议在公园增加健身器材', '市城管局', '建议'],
  ] as const) {
    h.clock.advance(60_000);
    const r = await h.call('operator', 'POST', '/api/v1/tickets', { content, contact: '13800004001', unit, category });
    made.push({ number: r.json.ticket.number, category });
  }

  const op = await watchedPage(browser, address);
  await login(op.page, 'op');
  await op.page.goto('/tickets?unit=' + encodeURIComponent('市城管局'), { waitUntil: 'domcontentloaded' });
  await op.page.locator('table.grid').waitFor();
  const numbers = () => op.page.locator('table.grid tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-ticket')));
  t.same(await numbers(), [made[2]!.number, made[0]!.number], 'filtered, newest first');
  // One date format: relative, the absolute time on hover.
  const when = op.page.locator('table.grid tbody tr').first().locator('time').first();
  t.match(await when.innerText(), /^(刚刚|\d+ 分钟前|\d+ 小时前)$/, 'relative');
  t.match(await when.getAttribute('title'), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'absolute on hover, with seconds');
  await op.page.getByRole('button', { name: /^工单号/ }).click();
  await op.page.waitForURL(/sort=number/);
  t.same(await numbers(), [made[0]!.number, made[2]!.number], 'sorted by number, ascending');
  t.match(op.page.url(), /unit=%E5%B8%82%E5%9F%8E%E7%AE%A1%E5%B1%80/, 'the filter stays in the URL');
  await op.page.getByRole('button', { name: /^工单号/ }).click();
  await op.page.waitForURL(/sort=-number/);
  t.same(await numbers(), [made[2]!.number, made[0]!.number], 'then descending');
  t.equal(await op.page.locator('th[aria-sort="descending"]').count(), 1, 'aria-sort on the column');
  await op.page.reload({ waitUntil: 'domcontentloaded' });
  await op.page.locator('table.grid tbody tr').first().waitFor();
  t.same(await numbers(), [made[2]!.number, made[0]!.number], 'a reload keeps the order');

  const href = await op.page.getByRole('link', { name: '导出 CSV' }).getAttribute('href');
  t.match(href, /^\/api\/v1\/tickets\/export\?unit=.*format=csv/, 'the export carries the filters');
  const csv = await op.page.request.get(href!);
  t.equal(csv.status(), 200);
  t.match(csv.headers()['content-type'], /text\/csv/);
  const text = (await csv.text()).replace(/^\uFEFF/, '');
  const lines = text.trim().split(/\r?\n/);
  t.match(lines[0], /^工单编号,受理时间,渠道,类别,即办,承办单位/, 'Chinese headers');
  t.equal(lines.length, 3, 'the two tickets of the filter');
  t.notMatch(text, /13800004001/, "no citizen's number");
  const xlsx = await op.page.request.get(href!.replace('format=csv', 'format=xlsx'));
  t.equal(xlsx.status(), 200);
  t.equal((await xlsx.body()).subarray(0, 2).toString(), 'PK', 'an XLSX file');

  const own = await h.call('unitB', 'GET', '/api/v1/tickets/export?format=csv');
  t.equal(own.status, 200);
  t.match(own.body, made[1]!.number, "a unit's export has its ticket");
  t.notMatch(own.body, made[0]!.number, "and not another unit's");
  t.same(op.errors, [], 'no console error');
});
