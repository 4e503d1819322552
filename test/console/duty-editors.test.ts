/**
 * 值班设置 (issue 20, item 10), in Chromium: the roster (members in turn order, the rotation, 调班
 * and 请假), the escalation chain (steps added, reordered, removed; wait minutes) and the unit's
 * contacts are edited in the console by the office; each save survives a reload, leaves an audit
 * row naming the editor, shows who changed it last, and a server validation error appears next to
 * the field it is about.
 */
import t from 'tap';
import type { Browser, Page } from 'playwright-core';
import { testApp } from '../helpers/app.js';
import { BROWSER, ensureConsoleBuilt, launch, login, watchedPage, workingMorning } from './browser.js';

const UNIT = '市城管局';
const SHOTS = 'docs/screenshots';

const section = (page: Page, title: string) => page.locator('section').filter({ has: page.getByRole('heading', { name: `${UNIT} · ${title}` }) });

t.test('duty editors: roster, escalation chain, contacts', { skip: BROWSER.skip }, async (t) => {
  await ensureConsoleBuilt();
  const h = await testApp(t, { now: workingMorning(), env: { SUBAN_COOKIE_SECURE: 'false' } });
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
  const browser: Browser = await launch();
  t.teardown(() => browser.close());
  const { page, errors } = await watchedPage(browser, address);
  await login(page, 'adm');
  const audit = async (subject: string) => h.ctx.audit.list(subject);
  const reload = async () => {
    await page.reload({ waitUntil: 'domcontentloaded' });
    await section(page, '值班表').getByRole('form', { name: '值班表' }).waitFor();
  };

  await page.goto('/duty', { waitUntil: 'domcontentloaded' });
  await page.getByRole('link', { name: /值班设置/ }).click();
  await page.waitForURL(/\/duty\/edit$/);
  await page.getByLabel('单位').selectOption(UNIT);
  await page.waitForURL(/\/duty\/edit\?unit=/);

  await t.test('roster: members in turn order, the rotation; a bad phone is shown at its field', async (t) => {
    const s = section(page, '值班表');
    const form = s.getByRole('form', { name: '值班表' });
    await form.waitFor();
    t.match(await s.getByTestId('last-change').innerText(), '尚无修改记录');
    await form.getByRole('button', { name: '＋ 添加值班人员' }).click();
    await form.getByLabel('第1位 姓名').fill('刘强');
    await form.getByLabel('第1位 电话').fill('13907970001');
    await form.getByRole('button', { name: '＋ 添加值班人员' }).click();
    await form.getByLabel('第2位 姓名').fill('王芳');
    await form.getByLabel('第2位 电话').fill('1390797000x');
    await form.getByLabel('轮班周期').selectOption('weekly');
    await form.getByLabel('交接班时间').fill('09:00');
    await form.getByRole('button', { name: '保存值班表' }).click();
    const err = form.locator('.field-error[data-field="members.1.phone"]');
    await err.waitFor();
    t.match(await err.innerText(), '电话号码无效', 'the server error next to the second phone');
    t.equal((await audit(`roster:${UNIT}`)).length, 0, 'nothing saved');
    await form.getByLabel('第2位 电话').fill('13907970002');
    await form.getByRole('button', { name: '保存值班表' }).click();
    await s.getByText('值班表已保存（第 1 版）').waitFor();
    await form.getByRole('button', { name: '上移 王芳' }).click();
    await form.getByRole('button', { name: '保存值班表' }).click();
    await s.getByText('值班表已保存（第 2 版）').waitFor();
    await s.getByTestId('last-change').filter({ hasText: '最近修改：adm' }).waitFor();

    await reload();
    const again = section(page, '值班表').getByRole('form', { name: '值班表' });
    t.equal(await again.getByLabel('第1位 姓名').inputValue(), '王芳', 'the new order after a reload');
    t.equal(await again.getByLabel('第2位 姓名').inputValue(), '刘强');
    t.equal(await again.getByLabel('轮班周期').inputValue(), 'weekly');
    t.equal(await again.getByLabel('交接班时间').inputValue(), '09:00');
    const stored = (await h.ctx.duty.roster(UNIT))!;
    t.same(stored.rotation?.order, stored.members.map((m) => m.id), 'the rotation follows the listed order');
    t.same(stored.members.map((m) => m.name), ['王芳', '刘强']);
    const rows = await audit(`roster:${UNIT}`);
    t.same(rows.map((r) => r.kind), ['duty.roster.save', 'duty.roster.save'], 'each save audited');
    t.match(rows.at(-1)!.data, { by: 'adm', version: 2 }, 'naming the editor');
  });

  await t.test('roster: 调班 and 请假 added and removed', async (t) => {
    const s = section(page, '值班表');
    const ov = s.getByRole('form', { name: '添加调班' });
    await ov.getByLabel('顶班人员').selectOption({ label: '刘强' });
    await ov.getByLabel('开始').fill('2027-01-05T08:30');
    await ov.getByLabel('结束').fill('2027-01-04T08:30');
    await ov.getByLabel('原因').fill('王芳外出培训');
    await ov.getByRole('button', { name: '添加调班' }).click();
    await ov.locator('.field-error[data-field="overrides.0.end"]').waitFor();
    t.match(await ov.locator('.field-error').innerText(), '结束时间必须晚于开始时间', 'shown at the end field');
    await ov.getByLabel('结束').fill('2027-01-06T08:30');
    await ov.getByRole('button', { name: '添加调班' }).click();
    await s.getByRole('list', { name: '调班' }).getByText('王芳外出培训').waitFor();
    const lv = s.getByRole('form', { name: '添加请假' });
    await lv.getByLabel('请假人员').selectOption({ label: '王芳' });
    await lv.getByLabel('开始').fill('2027-01-10T00:00');
    await lv.getByLabel('结束').fill('2027-01-12T00:00');
    await lv.getByLabel('事由（可选）').fill('年假');
    await lv.getByRole('button', { name: '添加请假' }).click();
    await s.getByRole('list', { name: '请假' }).getByText('年假').waitFor();
    await reload();
    const s2 = section(page, '值班表');
    t.ok(await s2.getByRole('list', { name: '调班' }).getByText('王芳外出培训').isVisible(), '调班 after a reload');
    t.ok(await s2.getByRole('list', { name: '请假' }).getByText('年假').isVisible(), '请假 after a reload');
    await s2.screenshot({ path: `${SHOTS}/duty-edit-roster.png` });
    await s2.getByRole('button', { name: '删除请假 王芳' }).click();
    await s2.getByRole('list', { name: '请假' }).getByText('无').waitFor();
    const kinds = (await audit(`roster:${UNIT}`)).map((r) => r.kind);
    t.same(kinds.slice(2), ['duty.override.add', 'duty.leave.add', 'duty.leave.remove'], 'audited');
    t.equal((await h.ctx.duty.roster(UNIT))!.leave.length, 0);
  });

  await t.test('escalation chain: steps added, reordered, removed; wait minutes; errors at the step', async (t) => {
    const s = section(page, '升级链');
    const form = s.getByRole('form', { name: '升级链' });
    await form.waitFor();
    t.equal(await form.locator('li[data-step]').count(), 4, 'the default chain');
    await form.getByLabel('第1步 等待确认（分钟）').fill('10');
    await form.getByRole('button', { name: '＋ 添加一步' }).click();
    t.equal(await form.locator('li[data-step]').count(), 5, 'a step added before the last');
    await form.getByLabel('第4步 呼叫对象').selectOption('person');
    await form.getByLabel('第4步 姓名').fill('张科长');
    await form.getByRole('button', { name: '保存升级链' }).click();
    await form.locator('.field-error[data-field="steps.3.person"]').waitFor();
    t.match(await form.locator('.field-error').innerText(), '指定人员需要姓名和有效电话', 'at the step');
    await form.getByLabel('第4步 电话').fill('13907970009');
    await form.getByLabel('第4步 方式').selectOption('sms');
    await form.getByRole('button', { name: '上移第4步' }).click();
    await form.getByRole('button', { name: '删除第2步' }).click();
    await form.getByRole('button', { name: '保存升级链' }).click();
    await s.getByText('升级链已保存（第 1 版）').waitFor();
    await reload();
    const f2 = section(page, '升级链').getByRole('form', { name: '升级链' });
    await f2.locator('li[data-step]').first().waitFor();
    t.equal(await f2.locator('li[data-step]').count(), 4);
    t.equal(await f2.getByLabel('第1步 等待确认（分钟）').inputValue(), '10');
    t.equal(await f2.getByLabel('第2步 呼叫对象').inputValue(), 'person', 'moved up, the old second step removed');
    t.equal(await f2.getByLabel('第2步 姓名').inputValue(), '张科长');
    t.equal(await f2.getByLabel('第2步 方式').inputValue(), 'sms');
    const chain = await h.ctx.duty.chain(UNIT);
    t.same(chain.steps.map((x) => x.target), ['duty', 'person', 'unit_head', 'hotline_duty']);
    t.equal(chain.steps[0]!.ackTimeoutSec, 600);
    // The last step must be a duty office: said at that step's target.
    await f2.getByLabel('第4步 呼叫对象').selectOption('duty');
    await f2.getByRole('button', { name: '保存升级链' }).click();
    await f2.locator('.field-error[data-field="steps.3.target"]').waitFor();
    await section(page, '升级链').screenshot({ path: `${SHOTS}/duty-edit-chain.png` });
    const rows = await audit(`chain:${UNIT}`);
    t.equal(rows.length, 1, 'one audited save (the refused one is not)');
    t.match(rows[0], { kind: 'duty.chain.save', data: { by: 'adm', version: 1 } });
    await section(page, '升级链').getByTestId('last-change').filter({ hasText: '最近修改：adm' }).waitFor();
  });

  await t.test('contacts: phones checked in the form and by the server, at their field', async (t) => {
    const s = section(page, '单位联系人');
    const form = s.getByRole('form', { name: '单位联系人' });
    await form.getByLabel('单位负责人电话').fill('0797-8321234');
    await form.getByLabel('办公室电话').fill('电话8321000');
    await form.getByRole('button', { name: '保存联系人' }).click();
    await form.locator('.field-error[data-field="officePhone"]').waitFor();
    t.match(await form.locator('.field-error').innerText(), '只能包含数字', 'checked in the form');
    await form.getByLabel('办公室电话').fill('0797-8321000');
    await form.getByRole('button', { name: '保存联系人' }).click();
    await form.locator('.field-error[data-field="head.name"]').waitFor();
    t.match(await form.locator('.field-error').innerText(), '单位负责人需要姓名', 'the server’s error at the name');
    await form.getByLabel('单位负责人姓名').fill('赵局长');
    await form.getByLabel('分管负责人姓名').fill('钱副局长');
    await form.getByLabel('分管负责人电话').fill('13907970088');
    await form.getByRole('button', { name: '保存联系人' }).click();
    await s.getByText('联系人已保存（第 1 版）').waitFor();
    await reload();
    const f2 = section(page, '单位联系人').getByRole('form', { name: '单位联系人' });
    await f2.getByLabel('单位负责人姓名').waitFor();
    await page.waitForFunction(() => (document.querySelector('form[aria-label="单位联系人"] input') as HTMLInputElement | null)?.value === '赵局长');
    t.equal(await f2.getByLabel('单位负责人电话').inputValue(), '07978321234');
    t.equal(await f2.getByLabel('办公室电话').inputValue(), '07978321000');
    await section(page, '单位联系人').getByTestId('last-change').filter({ hasText: '最近修改：adm' }).waitFor();
    await section(page, '单位联系人').screenshot({ path: `${SHOTS}/duty-edit-contacts.png` });
    const rows = await audit(`contacts:${UNIT}`);
    t.equal(rows.length, 1);
    t.match(rows[0], { kind: 'duty.contacts.save', data: { by: 'adm', after: { head: { name: '赵局长' } } } });
  });

  await t.test('a unit user sees no editor and the API refuses its writes', async (t) => {
    const unit = await watchedPage(browser, address);
    await login(unit.page, 'unit-a');
    await unit.page.goto('/duty', { waitUntil: 'domcontentloaded' });
    await unit.page.getByRole('heading', { name: '值班与呼叫' }).waitFor();
    t.equal(await unit.page.getByRole('link', { name: /值班设置/ }).count(), 0, 'no link');
    await unit.page.goto(`/duty/edit?unit=${encodeURIComponent(UNIT)}`, { waitUntil: 'domcontentloaded' });
    await unit.page.getByText('只有热线办督办员和管理员可以修改值班设置').waitFor();
    t.equal((await h.call('unitA', 'PUT', `/api/v1/duty/contacts/${encodeURIComponent(UNIT)}`, { officePhone: '07978321000' })).status, 403);
    await unit.context.close();
  });

  // The refused saves above (and the roster's 400 no_roster before the first save) are the browser's
  // "Failed to load resource … 400" lines; anything else is a fault.
  t.same(errors.filter((e) => !/Failed to load resource: the server responded with a status of 400/.test(e)), [], 'no other console errors');
  t.ok(errors.length > 0, 'the refused saves did reach the server');
});
