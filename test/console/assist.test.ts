/**
 * 协办, 应急联动 and 现场处置 in real headless Chromium: the operator starts a 联动 on the ticket
 * page, the 协办 unit signs its part from its inbox and replies it, the lead unit reads that reply,
 * is warned about the parts still open, and records who it sent and their arrival with a photo.
 */
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import type { Browser } from 'playwright-core';
import { SYSTEM } from '../../src/domain/tickets/ticket.js';
import { testApp } from '../helpers/app.js';
import { BROWSER, ensureConsoleBuilt, launch, login, watchedPage, workingMorning } from './browser.js';

/** A 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

t.test('协办 and 联动 on the console: start, sign, reply, read, record on-site', { skip: BROWSER.skip }, async (t) => {
  await ensureConsoleBuilt();
  const mediaDir = mkdtempSync(join(tmpdir(), 'suban-assist-media-'));
  const h = await testApp(t, { now: workingMorning(), env: { SUBAN_COOKIE_SECURE: 'false' }, app: { mediaDir } });
  await h.ctx.users.create({ id: randomUUID(), name: 'police', role: 'unit', unit: '市公安局', displayName: '公安值班员', phone: null, disabled: false, passwordHash: await argon2.hash('correct-horse-1') }, h.clock.now());
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
  const browser: Browser = await launch();
  t.teardown(() => browser.close());
  const { ticket } = await h.ctx.tickets.intake({ channel: 'phone', contact: '13912345000', content: '红都大道与绵江路路口路面塌陷，一辆小车陷进去了', unit: '市城管局', category: '求助', urgent: true }, SYSTEM, 'phone');

  // The operator starts an 事故灾难 联动 from the ticket page.
  const op = await watchedPage(browser, address);
  await login(op.page, 'op');
  await op.page.goto(`/tickets/${ticket.id}`);
  await op.page.getByTestId('start-linkage').click();
  const form = op.page.getByRole('form', { name: '应急联动' });
  await form.getByLabel('突发事件类型').selectOption('事故灾难');
  t.match(await form.innerText(), /市应急管理局、市公安局、市交通运输局、市信访局/, 'the units to be paged are shown first');
  await form.getByRole('button', { name: '启动联动' }).click();
  const parts = op.page.getByTestId('assist-parts');
  await parts.locator('tr[data-unit="市信访局"]').waitFor();
  t.equal(await parts.locator('tbody tr').count(), 4, 'four 协办 parts');
  t.match(await op.page.locator('.assist').innerText(), /事故灾难应急联动/);
  await h.ctx.runner.runDue();
  await h.ctx.pagingIdle();
  const pages = await h.ctx.paging.store.list({ ticketId: ticket.id });
  t.equal(pages.filter((p) => p.reason === 'assist').length, 4, 'one page per 协办 unit');

  // The police sign their part from their inbox and reply it on the ticket page.
  const police = await watchedPage(browser, address);
  await login(police.page, 'police');
  await police.page.goto('/inbox');
  const row = police.page.getByTestId('inbox-assists').locator(`[data-ticket="${ticket.number}"]`);
  await row.waitFor();
  t.match(await row.innerText(), /主办 市城管局/);
  await police.page.getByRole('button', { name: `签收协办 ${ticket.number}` }).click();
  await police.page.getByRole('link', { name: `答复协办 ${ticket.number}` }).click();
  await police.page.getByRole('button', { name: '答复协办' }).click();
  await police.page.getByLabel('协办答复').fill('已封闭路口，疏导交通');
  await police.page.getByRole('button', { name: '提交答复' }).click();
  await police.page.locator('tr[data-unit="市公安局"]', { hasText: '已答复' }).waitFor();

  // The lead unit reads the reply, is warned about the open parts, and records who it sent and their arrival.
  const lead = await watchedPage(browser, address);
  await login(lead.page, 'unit-a');
  await h.ctx.tickets.sign({ id: 'x', name: 'x', role: 'unit', unit: '市城管局' }, ticket.id).catch(() => undefined);
  await lead.page.goto(`/tickets/${ticket.id}`);
  await lead.page.locator('tr[data-unit="市公安局"]', { hasText: '已封闭路口，疏导交通' }).waitFor();
  t.match(await lead.page.getByTestId('assist-warning').innerText(), /市应急管理局.*尚未答复/);
  await lead.page.getByRole('button', { name: '登记出动' }).click();
  const d = lead.page.getByRole('form', { name: '登记出动' });
  await d.getByLabel('出动人员').fill('张伟，李娜');
  await d.getByLabel('装备').fill('抢险车、警示锥');
  await d.getByRole('button', { name: '保存' }).click();
  const site = lead.page.getByTestId('onsite').locator('li[data-unit="市城管局"]');
  await site.waitFor();
  t.match(await site.innerText(), /出动 2 人（张伟、李娜），装备：抢险车、警示锥/);
  await lead.page.getByRole('button', { name: '登记到达' }).click();
  const a = lead.page.getByRole('form', { name: '登记到达' });
  await a.getByLabel('现场照片').setInputFiles({ name: 'scene.png', mimeType: 'image/png', buffer: PNG });
  await a.getByRole('button', { name: '确认到达' }).click();
  await site.filter({ hasText: '到达' }).filter({ hasText: '现场照片 1 张' }).waitFor();
  const stored = (await h.ctx.ticketStore.get(ticket.id))!;
  t.ok(stored.onSite[0].arrivedAt, 'the arrival is on the ticket');
  t.equal(stored.onSite[0].photos.length, 1);
  t.ok(stored.attachments.some((x) => x.url.startsWith('/media/grid/')), 'the photo is archived with the ticket');
  await lead.page.locator('.timeline').getByText('到达现场').first().waitFor();

  t.same([...op.errors, ...police.errors, ...lead.errors], [], 'no console errors');
});
