/**
 * Leaks and rough edges of the console (issue 20, item 11), in Chromium: no English codes in the
 * timeline (api, console, system, unit), a township never said twice and no dangling separator,
 * a proper 404 page for an unknown console address (the API keeps its JSON 404), the 依据 line in
 * words instead of the model's raw vote, and the duplicate warning on the desk before dispatch.
 */
import t from 'tap';
import type { Browser } from 'playwright-core';
import { testApp } from '../helpers/app.js';
import { BROWSER, ensureConsoleBuilt, launch, login, watchedPage, workingMorning } from './browser.js';

const DOM = { waitUntil: 'domcontentloaded' } as const;

t.test('rough edges', { skip: BROWSER.skip }, async (t) => {
  await ensureConsoleBuilt();
  const h = await testApp(t, { now: workingMorning(), env: { SUBAN_COOKIE_SECURE: 'false' } });
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
  const browser: Browser = await launch();
  t.teardown(() => browser.close());
  const op = await watchedPage(browser, address);
  await login(op.page, 'op');

  await t.test('the timeline speaks Chinese; places read once', async (t) => {
    const a = await h.call('operator', 'POST', '/api/v1/tickets', { content: '象湖镇路口的路灯不亮', contact: '13800003001', unit: '市城管局', township: '象湖镇', place: '象湖镇' });
    t.equal(a.status, 201);
    await h.call('unitA', 'POST', `/api/v1/tickets/${a.json.ticket.id}/sign`);
    await h.ctx.tickets.apply(a.json.ticket.id, { id: 'system', role: 'system', name: '回访系统' }, 'system', () => [{ type: 'note', text: '系统备注' }]);
    await op.page.goto(`/tickets/${a.json.ticket.id}`, DOM);
    const timeline = op.page.locator('.timeline');
    await timeline.getByText('系统备注').waitFor();
    const text = await timeline.innerText();
    // (the test users are named op and unit-a: names, not codes)
    t.notMatch(text, /（(operator|unit|supervisor|admin|system)）|· (api|console|system|phone|sms)\b/, 'no English codes in the timeline');
    t.match(text, /接口/, 'api reads 接口');
    t.match(text, /回访系统 · 系统/, 'the system actor without 「（system）」');
    const facts = await op.page.locator('dl.facts').first().innerText();
    t.notMatch(facts, /象湖镇\s+象湖镇/, 'the township once');

    const b = await h.call('operator', 'POST', '/api/v1/tickets', { content: '小区门口的垃圾三天没清运', contact: '13800003002', unit: '市城管局', place: '幸福路小区' });
    const ticket = await h.ctx.ticketStore.get(b.json.ticket.id);
    await op.page.goto(`/tickets/${b.json.ticket.id}`, DOM);
    await op.page.locator('dl.facts').first().waitFor();
    const facts2 = await op.page.locator('dl.facts').first().innerText();
    t.match(facts2, new RegExp(`${ticket!.township ?? ''}\\s*幸福路小区`), 'the place');
    t.notMatch(facts2, /(^|\n|\s)\/\s*幸福路小区/, 'no dangling 「/ 幸福路小区」');
  });

  await t.test('an unknown console address gets the 404 page; the API keeps its JSON', async (t) => {
    const res = await op.page.goto('/no-such-page', DOM);
    t.equal(res!.status(), 404, 'status 404');
    await op.page.getByTestId('not-found').getByRole('heading', { name: '页面不存在' }).waitFor();
    t.match(await op.page.getByTestId('not-found').innerText(), '/no-such-page');
    await op.page.getByRole('link', { name: '回到首页' }).click();
    await op.page.waitForURL(/\/desk$/);
    const api = await fetch(`${address}/api/v1/no-such-thing`, { headers: { accept: 'text/html' } });
    t.equal(api.status, 404);
    t.match(await api.json(), { error: { code: 'route_not_found' } }, 'the API answers JSON even to a browser');
  });

  await t.test('the desk: 依据 in words, and the duplicate warning before dispatch', async (t) => {
    const first = await h.call('operator', 'POST', '/api/v1/tickets', { content: '解放路的路灯坏了好几天，晚上很黑', contact: '13800003003', unit: '市城管局' });
    await op.page.goto('/desk', DOM);
    await op.page.getByLabel('诉求内容').fill('解放路的路灯坏了好几天，晚上很黑，一直没人修');
    await op.page.getByLabel('来电号码').fill('13800003003');
    const reasons = op.page.getByTestId('reasons');
    await reasons.getByText(/依据：/).waitFor();
    const said = await reasons.innerText();
    t.notMatch(said, /模型\d+%\(/, 'no raw model vote');
    t.notMatch(said, /\(\+\d/, 'no raw points');
    const warn = op.page.getByTestId('draft-duplicates');
    await warn.waitFor();
    t.match(await warn.innerText(), new RegExp(`${first.json.ticket.number}（同一来电人）`), 'the earlier ticket of the same caller, before dispatch');
    t.equal(await op.page.getByTestId('dispatch-result').count(), 0, 'nothing dispatched yet');
  });

  t.same(op.errors.filter((e) => !/404/.test(e)), [], 'no console error');
});
