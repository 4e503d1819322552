/**
 * 网格员, 市长热线日 and media pages in headless Chromium. The grid worker's pages on a phone-sized
 * screen (390×844): the patrol report with the browser's position (granted) or a typed place (denied)
 * and a photo; the township hands a ticket to the grid worker (「交网格员」 on the ticket page); the grid
 * worker reports back and confirms the unit's result; the 热线办 runs a 市长热线日 item to its decision;
 * the media centre reads a published ticket, masked.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { Browser, Page } from 'playwright-core';
import { testApp, TEST_PASSWORD } from '../helpers/app.js';
import { toPrincipal } from '../../src/application/auth.js';
import { BROWSER, ensureConsoleBuilt, launch, login, watchedPage, workingMorning } from './browser.js';

const PHONE = { width: 390, height: 844 };
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

async function phonePage(browser: Browser, baseURL: string, geo: boolean) {
  const context = await browser.newContext({
    baseURL,
    viewport: PHONE,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    ...(geo ? { geolocation: { latitude: 25.8857, longitude: 116.0271, accuracy: 20 }, permissions: ['geolocation'] } : {}),
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    // a refused position is the test's own doing, not the page's error
    if (m.type() === 'error' && !/geolocation/i.test(m.text())) errors.push(`${page.url()} console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`${page.url()} pageerror: ${e.message}`));
  return { page, errors };
}

const overflowX = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

t.test('网格员, 市长热线日 and media pages in Chromium', { skip: BROWSER.skip }, async (t) => {
  await ensureConsoleBuilt();
  const mediaDir = mkdtempSync(join(tmpdir(), 'suban-grid-ui-'));
  const h = await testApp(t, { now: workingMorning(), env: { SUBAN_COOKIE_SECURE: 'false' }, app: { mediaDir } });
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await launch();
  t.teardown(() => browser.close());
  const gridUser = await h.ctx.auth.addUser({ name: 'grid-w', role: 'grid', township: '象湖镇', gridArea: '红都社区第3网格', displayName: '网格员小王', password: TEST_PASSWORD });
  const townUser = await h.ctx.auth.addUser({ name: 'town-xh', role: 'unit', unit: '象湖镇', password: TEST_PASSWORD });
  await h.ctx.auth.addUser({ name: 'media-w', role: 'media', password: TEST_PASSWORD });
  const town = toPrincipal(townUser);

  const g = await phonePage(browser, address, true);
  await t.test('a grid worker reports a matter with the phone position and a photo, on a 390 px screen', async (t) => {
    await login(g.page, 'grid-w');
    t.equal(new URL(g.page.url()).pathname, '/grid', 'a grid worker starts at the grid page');
    await g.page.getByTestId('geo-status').getByText('已定位 25.88570, 116.02710').waitFor();
    t.ok((await overflowX(g.page)) <= 0, 'nothing wider than the screen');
    await g.page.getByLabel('发现的问题').fill('红都大道井盖缺失，已放警示桶');
    await g.page.getByTestId('photo-input').setInputFiles({ name: 'well.png', mimeType: 'image/png', buffer: PNG });
    await g.page.getByAltText('照片 1').waitFor();
    await g.page.getByRole('button', { name: '上报', exact: true }).click();
    const done = g.page.getByTestId('grid-reported');
    await done.waitFor();
    const number = /工单号 (\d{8}-\d{4})/.exec(await done.innerText())![1]!;
    const tk = (await h.ctx.ticketStore.getByNumber(number))!;
    t.equal(tk.channel, 'grid');
    t.equal(tk.grid?.reporterId, gridUser.id);
    t.match(tk.place, /^定位 25\.8857/);
    t.equal(tk.attachments.length, 1);
    t.match(tk.attachments[0]!.url, /^\/media\/grid\/.+\.jpg$/, 'the photo was scaled and sent as JPEG');
    t.equal(await g.page.getByLabel('发现的问题').inputValue(), '', 'the form is empty for the next report');
  });

  await t.test('without the position the grid worker types the place', async (t) => {
    const d = await phonePage(browser, address, false);
    await login(d.page, 'grid-w');
    await d.page.getByTestId('geo-status').getByText(/未允许定位|暂时无法定位|不支持定位/).waitFor();
    await d.page.getByLabel('发现的问题').fill('沙洲坝路口路灯不亮');
    await d.page.getByRole('button', { name: '上报', exact: true }).click();
    t.ok(await d.page.getByLabel(/^地点/).evaluate((el) => !(el as HTMLInputElement).validity.valid), 'the place is required then');
    await d.page.getByLabel(/^地点/).fill('沙洲坝镇红井路口');
    await d.page.getByRole('button', { name: '上报', exact: true }).click();
    await d.page.getByTestId('grid-reported').waitFor();
    const { items } = await h.ctx.ticketStore.list({ gridUser: gridUser.id, q: '沙洲坝路口' }, { limit: 5 });
    t.equal(items[0]?.place, '沙洲坝镇红井路口');
    t.same(d.errors, [], 'no console errors');
    await d.page.context().close();
  });

  const handed = (await h.call('operator', 'POST', '/api/v1/tickets', { channel: 'phone', contact: '13800001111', content: '象湖镇红都社区垃圾堆放多日', unit: '象湖镇' })).json.ticket;
  await t.test('the township hands its ticket to the grid worker from the ticket page', async (t) => {
    const tw = await watchedPage(browser, address);
    await login(tw.page, 'town-xh');
    await tw.page.goto(`/tickets/${handed.id}`, { waitUntil: 'domcontentloaded' });
    await tw.page.getByRole('button', { name: '交网格员' }).click();
    await tw.page.locator('form[aria-label="交网格员"] select').selectOption({ label: '网格员小王（象湖镇 红都社区第3网格）' });
    await tw.page.getByLabel('交办说明').fill('请现场核实');
    await tw.page.getByRole('button', { name: '交办' }).click();
    await tw.page.getByTestId('grid-actions').getByText('待核查处置').waitFor();
    t.equal((await h.ctx.ticketStore.get(handed.id))!.grid?.workerId, gridUser.id);
    await tw.page.locator('.timeline').getByText('交网格员', { exact: true }).waitFor();
    await tw.page.locator('.timeline').getByText('交网格员 网格员小王（象湖镇）：请现场核实').waitFor();
    t.same(tw.errors, [], 'no console errors');
    await tw.context.close();
  });

  await t.test('the grid worker reports back, then confirms the unit’s result on the spot', async (t) => {
    await g.page.goto('/grid?tab=tasks', { waitUntil: 'domcontentloaded' });
    const card = g.page.getByTestId('grid-task').filter({ hasText: handed.number });
    await card.getByText('待核查处置').waitFor();
    t.ok((await overflowX(g.page)) <= 0, 'the task list fits the screen');
    await card.getByRole('button', { name: '反馈现场情况' }).click();
    await card.getByLabel('现场核查/处置情况').fill('现场约两车垃圾，已通知保洁');
    await card.getByTestId('photo-input').setInputFiles({ name: 'spot.png', mimeType: 'image/png', buffer: PNG });
    await card.getByAltText('照片 1').waitFor();
    await card.getByRole('button', { name: '提交反馈' }).click();
    await g.page.getByTestId('grid-task').filter({ hasText: handed.number }).getByText('已反馈').waitFor();
    await h.ctx.tickets.sign(town, handed.id);
    await h.ctx.tickets.reply(town, handed.id, '已全部清运');
    await g.page.reload({ waitUntil: 'domcontentloaded' });
    const again = g.page.getByTestId('grid-task').filter({ hasText: handed.number });
    await again.getByText('待现场确认').waitFor();
    await again.getByText('已全部清运').waitFor();
    await again.getByRole('button', { name: '现场确认已办好' }).click();
    await g.page.getByTestId('grid-task').filter({ hasText: handed.number }).getByText('已确认办结').waitFor();
    const tk = (await h.ctx.ticketStore.get(handed.id))!;
    t.equal(tk.grid?.status, 'confirmed');
    t.ok((await h.ctx.jobs.list({ status: 'pending', limit: 500 })).some((j) => j.key.startsWith(`followup:${handed.id}:`)), 'the 回访 follows');
    t.ok((await overflowX(g.page)) <= 0);
    t.same(g.errors, [], 'no console errors');
  });

  await t.test('市长热线日: a 联席会议 item goes on the agenda, positions and the decision are recorded', async (t) => {
    const a = (await h.call('operator', 'POST', '/api/v1/tickets', { channel: 'phone', contact: '13800002222', content: '金都花园停水三天，物业和供水公司互相推诿', unit: '润泉供水公司' })).json.ticket;
    await h.call('supervisor', 'POST', '/api/v1/supervision/joint-meeting', { ticketIds: [a.id], note: '职责不清' });
    const sup = await watchedPage(browser, address);
    await login(sup.page, 'sup');
    await sup.page.getByRole('link', { name: '市长热线日' }).click();
    await sup.page.getByText('还没有市长热线日议程').waitFor();
    // the browser runs on real time, the service on a fake clock a day or so ahead: a date clearly after both
    await sup.page.getByLabel('日期').fill('2030-01-10');
    await sup.page.getByRole('button', { name: '新建议程' }).click();
    await sup.page.getByText('议程暂无事项').waitFor();
    await sup.page.getByTestId('candidates').getByRole('button', { name: '提交下一次市长热线日' }).click();
    const item = sup.page.getByTestId('mayor-item');
    await item.getByRole('link', { name: a.number }).waitFor();
    await item.locator('form[aria-label="记录单位意见"] select').selectOption('润泉供水公司');
    await item.getByRole('textbox', { name: '意见' }).fill('属小区产权，应由物业负责');
    await item.getByRole('button', { name: '记录意见' }).click();
    await item.getByTestId('positions').getByText('属小区产权，应由物业负责').waitFor();
    await item.getByRole('textbox', { name: '决定' }).fill('由市住建局牵头三日内恢复供水');
    await item.locator('form[aria-label="记录决定"] select').selectOption('市住建局');
    await item.getByRole('button', { name: '记录决定' }).click();
    await item.getByTestId('decision').getByText('由市住建局牵头三日内恢复供水').waitFor();
    t.equal((await h.ctx.ticketStore.get(a.id))!.unit, '市住建局', 'reassigned');
    await sup.page.goto(`/tickets/${a.id}`, { waitUntil: 'domcontentloaded' });
    await sup.page.locator('.timeline').getByText('市长热线日决定', { exact: true }).waitFor();
    t.same(sup.errors, [], 'no console errors');
    await sup.context.close();
  });

  await t.test('the 热线办 publishes a closed ticket; the media centre reads it masked', async (t) => {
    const tk = (await h.call('operator', 'POST', '/api/v1/tickets', { channel: 'phone', contact: '13900003333', contactName: '钱七', content: '钱七反映红都大道66号门口路灯坏了，电话13900003333', unit: '市城管局' })).json.ticket;
    await h.call('unitA', 'POST', `/api/v1/tickets/${tk.id}/sign`);
    await h.call('unitA', 'POST', `/api/v1/tickets/${tk.id}/reply`, { reply: '已更换' });
    await h.call('operator', 'POST', `/api/v1/tickets/${tk.id}/followup`, { satisfaction: '满意', solved: true });
    const adm = await watchedPage(browser, address);
    await login(adm.page, 'adm');
    await adm.page.goto(`/tickets/${tk.id}`, { waitUntil: 'domcontentloaded' });
    await adm.page.getByRole('button', { name: '媒体公开' }).click();
    await adm.page.getByLabel('标题').fill('路灯当天修好');
    await adm.page.getByRole('button', { name: '选登' }).click();
    await adm.page.getByTestId('grid-actions').getByText('已选登').waitFor();
    t.same(adm.errors, [], 'no console errors');
    await adm.context.close();

    const m = await watchedPage(browser, address);
    await login(m.page, 'media-w');
    t.equal(new URL(m.page.url()).pathname, '/media', 'the media centre starts at its page');
    const it = m.page.getByTestId('media-item');
    await it.waitFor();
    const text = await it.innerText();
    t.match(text, /路灯当天修好|已更换/);
    t.notMatch(await m.page.content(), /13900003333|钱七|66号/, 'no phone, name or house number on the page');
    t.equal(await m.page.getByRole('link', { name: '工单' }).count(), 0, 'no ticket list in its menu');
    await m.page.goto(`/tickets/${tk.id}`, { waitUntil: 'domcontentloaded' });
    await m.page.getByTestId('ticket-denied').waitFor();
    t.same(m.errors.filter((e) => !/403|Forbidden/.test(e)), [], 'no console errors but the refused ticket request');
    await m.context.close();
  });
});
