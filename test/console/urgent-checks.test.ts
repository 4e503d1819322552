/**
 * 待核实即办 on the operator desk in real headless Chromium: a WeChat request the model alone
 * flagged as 即办 is listed with its countdown; 不是即办 clears it, 确认即办 pages the unit at once.
 */
import t from 'tap';
import type { Browser } from 'playwright-core';
import { SYSTEM } from '../../src/domain/tickets/ticket.js';
import { classifier, testApp } from '../helpers/app.js';
import { MODEL_URGENT_REASON } from '../../src/domain/routing/classifier.js';
import { BROWSER, ensureConsoleBuilt, launch, login, watchedPage, workingMorning } from './browser.js';

t.test('the desk lists model-only 即办 flags; the operator clears one and confirms another', { skip: BROWSER.skip }, async (t) => {
  await ensureConsoleBuilt();
  const h = await testApp(t, { now: workingMorning(), env: { SUBAN_COOKIE_SECURE: 'false' } });
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
  const browser: Browser = await launch();
  t.teardown(() => browser.close());
  const intake = (n: number, content: string) => h.ctx.tickets.intake({ channel: 'wechat', contact: `wx_${n}`, content, sourceKey: `console-test:${n}` }, SYSTEM, 'wechat');
  // Requests only the 即办 model (no rule) asks about; which ones it does moves with each retraining,
  // so the first two it flags that way are used.
  const candidates = ['隔壁厂子的烟囱冒黑烟 味道呛人', '河里的鱼死了一大片 水发黑', '学校门口那段路有辆货车一直停在弯道上', '楼下餐馆油烟很大', '师傅你好 电线老化 风一吹就噼里啪啦 急急急'];
  const modelOnly: string[] = [];
  for (const text of candidates) {
    const c = await classifier().classify(text);
    if (c.urgentCheck && c.urgentCheckReasons.length === 1 && c.urgentCheckReasons[0] === MODEL_URGENT_REASON) modelOnly.push(text);
  }
  t.ok(modelOnly.length >= 2, `the premise: the model alone asks about two of them (${modelOnly.join(' / ')})`);
  const smoke = (await intake(1, modelOnly[0]!)).ticket;
  const noise = (await intake(2, modelOnly[1]!)).ticket;
  t.ok(smoke.urgent && noise.urgent, 'both wait on the desk as 即办 to confirm');

  const op = await watchedPage(browser, address);
  await login(op.page, 'op');
  const item = op.page.getByTestId('urgent-check').filter({ hasText: smoke.number });
  await item.waitFor();
  t.match(await item.innerText(), /后自动呼叫值班人员/, 'with the countdown to the page');
  t.match(await item.getByTestId('urgent-check-reasons').innerText(), /待核实原因：.*模型判断疑似即办/, 'and what made it 待核实');

  await op.page.getByRole('button', { name: `不是即办 ${smoke.number}` }).click();
  await item.waitFor({ state: 'detached' });
  t.equal((await h.ctx.ticketStore.get(smoke.id))!.urgent, false, 'cleared: no longer 即办');

  await op.page.getByRole('button', { name: `确认即办 ${noise.number}` }).click();
  await op.page.getByTestId('urgent-check').filter({ hasText: noise.number }).waitFor({ state: 'detached' });
  await h.ctx.runner.runDue();
  await h.ctx.pagingIdle();
  t.equal((await h.ctx.paging.store.list({ ticketId: noise.id })).length, 1, 'confirmed: paged at once');
  t.same(op.errors, [], 'no console errors');
});
