/**
 * 管理 › 考核规则 and 督办 › 问责线索 in headless Chromium: an admin adds a rule version (the history
 * shows who and why); a supervisor opens the 问责线索 page from the board, sees a 推诿 lead with its
 * evidence and downloads the unit's case file; an operator may not open it.
 */
import t from 'tap';
import type { Browser } from 'playwright-core';
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { testApp } from '../helpers/app.js';
import { BROWSER, ensureConsoleBuilt, launch, login, watchedPage, workingMorning } from './browser.js';

t.test('考核规则 and 问责线索 in the console', { skip: BROWSER.skip }, async (t) => {
  await ensureConsoleBuilt();
  const h = await testApp(t, { now: workingMorning(), env: { SUBAN_COOKIE_SECURE: 'false' } });
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
  const browser: Browser = await launch();
  t.teardown(() => browser.close());

  // Two 路灯 tickets (市城管局's matter by the 职责清单) returned by 市城管局 and sent back to it.
  const numbers: string[] = [];
  for (const [i, content] of ['红都大道路灯不亮，晚上很黑', '建设路的路灯坏了好几盏'].entries()) {
    const tk = (await h.call('operator', 'POST', '/api/v1/tickets', { unit: '市城管局', category: '求助', contact: `1390000090${i}`, content })).json.ticket;
    numbers.push(tk.number);
    t.equal((await h.call('unitA', 'POST', `/api/v1/tickets/${tk.id}/return`, { reason: '不属于我单位职责' })).status, 200);
    t.equal((await h.call('operator', 'POST', `/api/v1/tickets/${tk.id}/dispatch`, { unit: '市城管局' })).status, 200);
  }

  await t.test('an admin adds a rule version on 管理 › 考核规则', async (t) => {
    const a = await watchedPage(browser, address);
    await login(a.page, 'adm');
    await a.page.goto('/admin');
    await a.page.getByRole('tab', { name: '考核规则' }).click();
    const versions = a.page.getByTestId('kpi-rule-versions');
    await versions.waitFor();
    t.match(await versions.innerText(), /第 1 版[\s\S]*SUBAN_KPI/);
    const form = a.page.getByRole('form', { name: '新增考核规则版本' });
    await form.getByLabel('调整原因').fill('咨询件不计入考核，督办每次扣 2 分');
    await form.locator('input[name="deduct-supervised"]').fill('2');
    await form.locator('input[name="cap-supervised"]').fill('10');
    await form.getByLabel('不计咨询').check();
    await form.getByRole('button', { name: '保存新版本' }).click();
    await a.page.getByText(/已保存第 2 版/).waitFor();
    await versions.getByText('第 2 版').waitFor();
    t.match(await versions.innerText(), /第 2 版[\s\S]*adm[\s\S]*咨询件不计入考核/);
    const stored = await h.ctx.kpiRules.versions();
    t.equal(stored.length, 2);
    t.same(stored[1]!.rule.deductions.supervised, { points: 2, cap: 10 });
    t.same(stored[1]!.rule.scope.excludeCategories, ['咨询']);
    t.equal(stored[1]!.createdBy.name, 'adm');
    t.same(a.errors, [], 'no console errors');
  });

  await t.test('a supervisor opens 问责线索 from the board and downloads the case file', async (t) => {
    const s = await watchedPage(browser, address);
    await login(s.page, 'sup');
    await s.page.goto('/board');
    await s.page.getByRole('link', { name: '问责线索 ›' }).click();
    await s.page.waitForURL(/\/board\/accountability$/);
    const list = s.page.getByTestId('accountability-flags');
    await list.waitFor();
    const item = list.locator('li[data-kind="shirking"]');
    t.match(await item.innerText(), /推诿扯皮[\s\S]*市城管局/);
    for (const n of numbers) t.match(await item.innerText(), new RegExp(n));
    await item.locator('summary').click();
    t.match(await item.innerText(), /不属于我单位职责/, 'the evidence: the return and its reason');
    const [download] = await Promise.all([s.page.waitForEvent('download'), s.page.getByTestId('case-file-市城管局').click()]);
    t.match(download.suggestedFilename(), /^问责线索案卷_市城管局_.*\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync((await download.path())!) as unknown as ArrayBuffer);
    t.same(
      wb.worksheets.map((w) => w.name),
      ['概要', '问责线索', '工单', '事件', '回访答复'],
    );
    t.equal((await h.ctx.audit.list('accountability:市城管局')).length, 1, 'the download is audited');
    t.same(s.errors, [], 'no console errors');
  });

  await t.test('an operator may not open it', async (t) => {
    const o = await watchedPage(browser, address);
    await login(o.page, 'op');
    await o.page.goto('/board/accountability');
    await o.page.getByText('无权查看此页面。').waitFor();
    t.pass('refused');
  });
});
