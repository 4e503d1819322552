/**
 * 一次性答复 in real headless Chromium (issue 24): a caller's recognised words on the screen pop
 * bring up the knowledge base's top entries; Alt+1 reads the first into the ticket as 直接答复 with
 * 「短信发送答复」 ticked (the SMS goes out, logged on the ticket); a 咨询 typed at the desk without a
 * confident entry and filed for dispatch is a miss; the board shows 一次性答复率 and the to-do list.
 */
import t from 'tap';
import type { Browser } from 'playwright-core';
import { testApp } from '../helpers/app.js';
import { KnowledgeDouble } from '../helpers/knowledge-double.js';
import { BROWSER, ensureConsoleBuilt, launch, login, watchedPage, workingMorning } from './browser.js';

const CALLER = '13912340001';

t.test('the desk answers from the knowledge base; the board counts it', { skip: BROWSER.skip }, async (t) => {
  await ensureConsoleBuilt();
  const h = await testApp(t, { now: workingMorning(), env: { SUBAN_COOKIE_SECURE: 'false' } });
  const kb = new KnowledgeDouble();
  h.ctx.answers.useKnowledge(kb);
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
  const browser: Browser = await launch();
  t.teardown(() => browser.close());
  const op = await watchedPage(browser, address);
  await login(op.page, 'op');

  // A caller presses 2 (咨询) and says what they want to know; the operator takes the call.
  const call = h.ctx.simVoice!.placeInbound({ from: CALLER, press: ['2'], say: '我的社保卡丢了怎么补办', holdMs: 20_000 });
  call.catch(() => undefined);
  await op.page.getByTestId('waiting-caller').filter({ hasText: CALLER }).waitFor({ timeout: 3000 });
  await op.page.keyboard.press('F2');
  await op.page.getByTestId('screen-pop').waitFor();

  const first = op.page.locator('.answer-list li').first();
  await first.waitFor({ timeout: 3000 });
  t.match(await first.innerText(), /Alt\s*\+\s*1[\s\S]*社保卡补办[\s\S]*市人社局[\s\S]*100%[\s\S]*社保卡丢失可携带身份证/, 'title, unit, confidence and the short answer, with its key');
  t.match(await op.page.locator('section.answers .hint').innerText(), /Alt\s*\+\s*1…\s*Alt\s*\+\s*5/, 'the keys are shown on screen');
  await op.page.getByLabel('短信发送答复').check();
  await op.page.getByLabel('诉求内容').focus();
  await op.page.keyboard.press('Alt+1');
  const result = op.page.getByTestId('dispatch-result');
  await result.waitFor();
  t.match(await result.innerText(), /已直接答复：\d{8}-\d{4,}\s*已答复/);
  const number = (await result.locator('a').first().innerText()).trim();
  const tk = (await h.ctx.tickets.getByNumber(number))!;
  t.match(tk, { state: 'answered', category: '咨询', contact: CALLER, unit: null, lastReply: /社保卡丢失/ });
  const events = (await h.ctx.ticketStore.events(tk.id)).map((e) => e.data);
  t.match(events, [{ type: 'created' }, { type: 'answered', entryId: 'kb-sbk', sms: true }, { type: 'note', text: /答复短信已发送至 139\*\*\*\*0001/ }]);
  t.match(h.ctx.simSms!.sent.at(-1), { to: CALLER, text: /社保卡补办：社保卡丢失/ });
  t.match(kb.uses, [{ entryId: 'kb-sbk', channel: 'phone', ticketId: tk.id }]);
  t.equal(await op.page.getByLabel('诉求内容').inputValue(), '', 'the form is cleared for the next call');

  // Typed at the desk: no confident entry; filed for dispatch as a 咨询, it becomes a miss.
  await op.page.keyboard.press('Alt+N');
  await op.page.getByLabel('诉求内容').fill('公积金贷款利率现在是多少');
  await op.page.locator('.answer-list li').first().waitFor({ timeout: 3000 });
  t.match(await op.page.locator('.answer-list li').first().innerText(), /公积金提取材料[\s\S]*50%/, 'a weak match is still shown, with its confidence');
  await op.page.getByLabel('诉求类别').selectOption('咨询');
  await op.page.getByLabel('诉求内容').press('Control+Enter');
  await op.page.getByTestId('dispatch-result').filter({ hasNotText: number }).waitFor();
  for (let i = 0; i < 50 && kb.misses.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  t.match(kb.misses, [{ question: '公积金贷款利率现在是多少', channel: 'phone' }]);

  // The board: 一次性答复率 per channel and operator (the miss itself is in the knowledge base's store,
  // which this test replaced by a double; the list is fed from the real store in test/web).
  await h.ctx.knowledge.recordMiss('公积金贷款利率现在是多少', { channel: 'phone', at: h.clock.now() });
  const sup = await watchedPage(browser, address);
  await login(sup.page, 'sup');
  await sup.page.goto(`${address}/board`);
  const figures = sup.page.getByTestId('first-contact-渠道');
  await figures.waitFor({ timeout: 3000 });
  t.match(await figures.innerText(), /电话\s+2\s+1\s+50(\.0)?%/, '1 of the 2 咨询 on the phone answered on first contact');
  t.match(await sup.page.getByTestId('first-contact-答复人').innerText(), /op\s+2\s+1\s+50(\.0)?%/);
  t.match(await sup.page.getByTestId('knowledge-misses').innerText(), /公积金贷款利率现在是多少/);
  t.same(op.errors, [], 'no console errors at the desk');
  t.same(sup.errors, [], 'no console errors on the board');
});
