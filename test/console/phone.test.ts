/**
 * Unit duty staff on a phone (issue 20, item 4), Chromium at 390×844: the navigation folds behind
 * 菜单 (one column when open, closed again after a page change), 退出 stays on screen, no page scrolls
 * sideways; the unit inbox signs and returns (退单), the ticket page takes a reply, and the duty view
 * acknowledges a page (确认接单) — all with the thumb-sized buttons a phone needs.
 */
import t from 'tap';
import type { Browser, Page } from 'playwright-core';
import { testApp } from '../helpers/app.js';
import { BROWSER, ensureConsoleBuilt, launch, login, workingMorning } from './browser.js';

const PHONE = { width: 390, height: 844 };
const DOM = { waitUntil: 'domcontentloaded' } as const;

/** The page is no wider than the phone (nothing to scroll sideways). */
const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

t.test('a unit on a phone: menu, inbox, ticket, page acknowledgement', { skip: BROWSER.skip }, async (t) => {
  await ensureConsoleBuilt();
  const h = await testApp(t, { now: workingMorning(), env: { SUBAN_COOKIE_SECURE: 'false' } });
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
  const browser: Browser = await launch();
  t.teardown(() => browser.close());
  const op = { id: 'op-phone', name: '话务员', role: 'operator' as const, unit: null };
  const intake = async (content: string, urgent = false) =>
    (await h.ctx.tickets.intake({ channel: 'phone', content, contact: '13907971001', unit: '市城管局', urgent }, { id: op.id, role: 'operator', name: op.name }, 'console')).ticket;
  const a = await intake('解放路的路灯坏了好几天，晚上很黑');
  const b = await intake('小区物业把公共绿地改成了停车位');
  // A running page for the unit's duty person (a roster, then 呼叫 now).
  const start = new Date(h.clock.now().getTime() - 86400_000).toISOString().slice(0, 10);
  const roster = await h.call('admin', 'PUT', `/api/v1/duty/rosters/${encodeURIComponent('市城管局')}`, {
    members: [{ id: 'm1', name: '刘强', phone: '13907970001' }],
    rotation: { period: 'daily', handoff: '08:30', start, order: ['m1'], holidays: 'pass' },
  });
  t.equal(roster.status, 200, 'roster saved');
  const c = await intake('红都大道人行道上的井盖丢了，有人差点掉下去', true);
  const paged = await h.call('operator', 'POST', '/api/v1/duty/pages', { ticketId: c.id });
  t.ok([200, 201].includes(paged.status), `page started (${paged.status})`);

  const context = await browser.newContext({ baseURL: address, viewport: PHONE, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : undefined));
  await login(page, 'unit-a');

  await t.test('navigation folds behind 菜单; 退出 stays on screen', async (t) => {
    const nav = page.getByRole('navigation', { name: '主导航' });
    const tickets = nav.getByRole('link', { name: '工单' });
    t.notOk(await tickets.isVisible(), 'the links are folded away');
    const logout = page.getByRole('button', { name: '退出' });
    const box = (await logout.boundingBox())!;
    t.ok(box.x >= 0 && box.x + box.width <= PHONE.width, `退出 on screen (x ${Math.round(box.x)}–${Math.round(box.x + box.width)})`);
    const toggle = page.getByRole('button', { name: '菜单' });
    t.equal(await toggle.getAttribute('aria-expanded'), 'false');
    await toggle.click();
    t.equal(await page.getByRole('button', { name: '收起菜单' }).getAttribute('aria-expanded'), 'true');
    await tickets.waitFor();
    const link = (await tickets.boundingBox())!;
    t.ok(link.width > 200 && link.height < 60, `one link per row, not one character per line (${Math.round(link.width)}×${Math.round(link.height)})`);
    t.ok(await fitsWidth(page), 'nothing scrolls sideways');
    await nav.getByRole('link', { name: '值班与呼叫' }).click();
    await page.waitForURL(/\/duty$/);
    // The menu folds when the route's render lands, which can be just after the URL changes.
    await tickets.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
    t.notOk(await tickets.isVisible(), 'folded again after the page change');
    await page.goto('/inbox', DOM);
  });

  await t.test('the inbox signs and returns', async (t) => {
    const rowA = page.locator(`li[data-ticket="${a.number}"]`);
    await rowA.waitFor();
    t.ok(await fitsWidth(page), 'the inbox fits the phone');
    const sign = rowA.getByRole('button', { name: `签收 ${a.number}` });
    const sb = (await sign.boundingBox())!;
    t.ok(sb.height >= 40 && sb.x + sb.width <= PHONE.width, `签收 is thumb-sized and on screen (${Math.round(sb.width)}×${Math.round(sb.height)})`);
    await sign.click();
    await page.getByText(`已签收 ${a.number}`).waitFor();
    const rowB = page.locator(`li[data-ticket="${b.number}"]`);
    await rowB.getByRole('button', { name: `退单 ${b.number}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('退单理由').fill('物业管理纠纷属街道社区职责，请改派');
    const mb = (await dialog.boundingBox())!;
    t.ok(mb.width <= PHONE.width, 'the form fits the phone');
    await dialog.getByRole('button', { name: '确认退单' }).click();
    await rowB.waitFor({ state: 'detached' });
    t.equal((await h.ctx.ticketStore.get(b.id))!.state, 'returned', '退单 recorded');
  });

  await t.test('the ticket page takes a reply', async (t) => {
    await page.goto(`/tickets/${a.id}`, DOM);
    await page.getByRole('toolbar', { name: '工单操作' }).waitFor();
    t.ok(await fitsWidth(page), 'the ticket page fits the phone');
    await page.getByRole('button', { name: '反馈办理结果' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('办理结果').fill('已安排维修班组更换灯具，当晚恢复照明。');
    await dialog.getByRole('button', { name: '确认反馈办理结果' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByText('已安排维修班组更换灯具').first().waitFor();
    t.equal((await h.ctx.ticketStore.get(a.id))!.state, 'replied', 'reply recorded');
  });

  await t.test('the duty view acknowledges a page', async (t) => {
    await page.goto('/duty', DOM);
    const ack = page.getByRole('button', { name: `确认接单 ${c.number}` });
    await ack.waitFor();
    t.ok(await fitsWidth(page), 'the duty view fits the phone');
    const bb = (await ack.boundingBox())!;
    t.ok(bb.x + bb.width <= PHONE.width, '确认接单 on screen');
    await ack.click();
    await page.getByText(`已确认接单 ${c.number}`).waitFor();
  });

  t.same(errors, [], 'no console error');
});
