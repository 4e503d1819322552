/**
 * 工单处理单 (issue 20, item 7): a ticket page printed shows the ticket and its timeline under the
 * hotline's title, without the console's bar, buttons and banners; Chromium prints it to PDF.
 */
import t from 'tap';
import type { Browser } from 'playwright-core';
import { testApp } from '../helpers/app.js';
import { BROWSER, ensureConsoleBuilt, launch, login, watchedPage, workingMorning } from './browser.js';

t.test('a ticket prints as its 工单处理单', { skip: BROWSER.skip }, async (t) => {
  await ensureConsoleBuilt();
  const h = await testApp(t, { now: workingMorning(), env: { SUBAN_COOKIE_SECURE: 'false' } });
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
  const browser: Browser = await launch();
  t.teardown(() => browser.close());
  const r = await h.call('operator', 'POST', '/api/v1/tickets', { content: '解放路的路灯坏了好几天', contact: '13800006001', unit: '市城管局' });
  await h.call('unitA', 'POST', `/api/v1/tickets/${r.json.ticket.id}/sign`);
  const op = await watchedPage(browser, address);
  await login(op.page, 'op');
  await op.page.goto(`/tickets/${r.json.ticket.id}`, { waitUntil: 'domcontentloaded' });
  await op.page.locator('.timeline').getByText('签收').waitFor();
  t.ok(await op.page.getByRole('button', { name: '打印处理单' }).isVisible(), 'a print button on screen');
  t.notOk(await op.page.getByText('工单处理单').isVisible(), 'the print title only on paper');
  await op.page.emulateMedia({ media: 'print' });
  t.ok(await op.page.getByText('瑞金市 12345 政务服务便民热线 · 工单处理单').isVisible(), 'the title');
  t.notOk(await op.page.locator('.topbar').isVisible(), 'no console bar');
  t.notOk(await op.page.getByRole('toolbar', { name: '工单操作' }).isVisible(), 'no action buttons');
  t.ok(await op.page.locator('.timeline').isVisible(), 'the timeline');
  t.ok(await op.page.getByText(r.json.ticket.number).first().isVisible(), 'the number');
  const pdf = await op.page.pdf({ format: 'A4' });
  t.equal(pdf.subarray(0, 4).toString(), '%PDF', 'Chromium prints it to PDF');
  t.same(op.errors, [], 'no console error');
});
