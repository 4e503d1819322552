/**
 * 知识库 in real headless Chromium: the samples are listed (示例) and found by a citizen's wording;
 * a unit writes an entry and sends it for review; the office approves it from its review queue;
 * an operator then finds it by search.
 */
import t from 'tap';
import type { Browser } from 'playwright-core';
import { testApp } from '../helpers/app.js';
import { seedKnowledgeDemo } from '../../src/application/knowledge/demo.js';
import { BROWSER, ensureConsoleBuilt, launch, login, watchedPage, workingMorning } from './browser.js';
import { loadDemoKnowledge } from '../../adapters/fs-config/demo-data.js';

t.test('browse and search, a unit drafts and submits, the office approves, the operator finds it', { skip: BROWSER.skip }, async (t) => {
  await ensureConsoleBuilt();
  const h = await testApp(t, { now: workingMorning(), env: { SUBAN_COOKIE_SECURE: 'false' } });
  await seedKnowledgeDemo(h.ctx.knowledge, h.clock.now(), () => loadDemoKnowledge());
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
  const browser: Browser = await launch();
  t.teardown(() => browser.close());

  // The operator browses the samples and searches in a citizen's words.
  const op = await watchedPage(browser, address);
  await login(op.page, 'op');
  await op.page.getByRole('link', { name: '知识库' }).click();
  await op.page.getByTestId('knowledge-list').waitFor();
  t.ok((await op.page.getByTestId('sample-badge').count()) > 0, 'samples are marked 示例');
  t.equal(await op.page.getByRole('tab', { name: '新建' }).count(), 0, 'operators read only');
  await op.page.getByLabel('搜索知识库').fill('公积金怎么取出来');
  await op.page.getByRole('button', { name: '搜索' }).click();
  const hits = op.page.getByTestId('knowledge-hits');
  await hits.waitFor();
  t.match(await hits.locator('li').first().innerText(), /住房公积金提取需要什么材料/);

  // A unit (润泉供水公司) writes an entry and sends it for review.
  const unit = await watchedPage(browser, address);
  await login(unit.page, 'unit-b');
  await unit.page.goto('/knowledge');
  await unit.page.getByRole('tab', { name: '新建' }).click();
  const ed = unit.page.getByTestId('knowledge-editor');
  await ed.getByLabel('标题').fill('水表冬季防冻怎么做');
  await ed.getByLabel('相似问法（每行一个）').fill('水表冻坏了怎么办\n水管结冰');
  await ed.getByLabel(/答复口径/).fill('寒潮来临前请用保温材料包裹室外水表和水管；水表冻裂请关闭总阀并拨打供水服务热线报修，以最新公告为准。');
  await ed.getByRole('button', { name: '保存并提交审核' }).click();
  await unit.page.getByTestId('knowledge-detail').waitFor();
  t.equal(await unit.page.getByTestId('entry-state').innerText(), '待审核');

  // The office approves it from the review queue.
  const sup = await watchedPage(browser, address);
  await login(sup.page, 'sup');
  await sup.page.goto('/knowledge');
  await sup.page.getByRole('tab', { name: '审核队列' }).click();
  await sup.page.getByTestId('knowledge-list').getByRole('link', { name: '水表冬季防冻怎么做' }).click();
  await sup.page.getByRole('button', { name: '审核通过' }).click();
  await sup.page.getByTestId('published-answer').waitFor();
  t.equal(await sup.page.getByTestId('entry-state').innerText(), '已发布');
  t.match(await sup.page.getByTestId('knowledge-history').innerText(), /提交审核[\s\S]*审核通过/);

  // The operator finds it.
  await op.page.getByLabel('搜索知识库').fill('家里水表冻坏了');
  await op.page.getByRole('button', { name: '搜索' }).click();
  await op.page.getByTestId('knowledge-hits').getByText('水表冬季防冻怎么做').waitFor();
  t.same([...op.errors, ...unit.errors, ...sup.errors], [], 'no console errors');
});
