import t from 'tap';
import { FakeClock } from '../../../src/domain/clock.js';
import { SqlKnowledgeStore } from '../../../adapters/db/knowledge-store.js';
import { KnowledgeService } from '../../../src/application/knowledge/service.js';
import { knowledgeAnalyzer } from '../../../adapters/fs-config/knowledge.js';
import type { KnowledgeActor } from '../../../src/domain/knowledge/entry.js';
import { ENGINES, freshDatabase, sqliteFilePair } from '../../helpers/db.js';

const office: KnowledgeActor = { id: 'u-sup', name: '督办员', role: 'supervisor', unit: null };
const hrss: KnowledgeActor = { id: 'u-hr', name: '人社局', role: 'unit', unit: '市人社局' };
const other: KnowledgeActor = { id: 'u-x', name: '住建局', role: 'unit', unit: '市住建局' };
const analyzer = () => knowledgeAnalyzer('config/duty-list.yaml');

const card = {
  title: '社会保障卡丢失了怎么补办',
  variants: ['社保卡掉了怎么办', '社保卡补卡要带什么'],
  answer: '携带本人身份证到市人社局社保卡服务窗口或合作银行网点办理挂失补卡，补卡工本费按规定收取，以窗口最新要求为准。',
  tags: ['社保'],
  readable: true,
};
const fund = {
  title: '住房公积金提取需要什么材料',
  variants: ['公积金怎么取出来', '买房提取公积金'],
  answer: '购房、租房、退休等情形可申请提取住房公积金，携带身份证、提取证明材料到公积金中心窗口办理，也可通过赣服通线上申请，以窗口最新要求为准。',
  unit: '市住房公积金中心',
};

for (const engine of ENGINES) {
  t.test(`${engine}: draft → pending → approved is served; an edit keeps the approved answer until approved`, async (t) => {
    const { db } = await freshDatabase(t, engine);
    const clock = new FakeClock(new Date('2026-12-07T02:00:00Z'));
    const store = new SqlKnowledgeStore(db);
    const kb = new KnowledgeService({ store, clock, analyzer, refreshMs: 0 });
    const e = await kb.create(hrss, card);
    t.equal(e.state, 'draft');
    t.equal(e.unit, '市人社局');
    t.same(await kb.search('社保卡丢了'), [], 'a draft is not served');
    await t.rejects(kb.approve(office, e.id), { code: 'knowledge_state' }, 'a draft must be submitted first');
    await t.rejects(kb.submit(other, e.id), { code: 'forbidden' }, 'another unit may not submit it');
    await kb.submit(hrss, e.id);
    await t.rejects(kb.approve(hrss, e.id), { code: 'forbidden' }, 'a unit does not approve');
    const ok = await kb.approve(office, e.id, '核对无误');
    t.equal(ok.state, 'approved');
    t.ok(ok.reviewedAt);
    const hits = await kb.search('我社保卡掉了去哪里补');
    t.equal(hits[0]?.entryId, e.id);
    t.ok(hits[0]!.confidence > 0 && hits[0]!.confidence <= 1);
    t.ok(hits[0]!.matched.includes('社保卡'), `matched ${hits[0]!.matched}`);
    t.equal(hits[0]!.readable, true);

    // The unit edits: the approved answer keeps being served until the new revision is approved.
    await kb.update(hrss, e.id, { answer: '新答复：可在赣服通上申请补卡邮寄到家，以窗口最新要求为准。' });
    t.match((await kb.search('社保卡掉了'))[0]?.answer, /^携带本人身份证/);
    await kb.submit(hrss, e.id);
    await t.rejects(kb.reject(office, e.id, '  '), { code: 'invalid_knowledge' });
    const rej = await kb.reject(office, e.id, '请写明补卡费用');
    t.equal(rej.state, 'rejected');
    t.equal(rej.rejectReason, '请写明补卡费用');
    t.match((await kb.search('社保卡掉了'))[0]?.answer, /^携带本人身份证/, 'still the approved one after a rejection');
    await kb.update(hrss, e.id, { answer: '新答复：可在赣服通上申请补卡邮寄到家，工本费按规定收取，以窗口最新要求为准。' });
    await kb.submit(hrss, e.id);
    await kb.approve(office, e.id);
    t.match((await kb.search('社保卡掉了'))[0]?.answer, /^新答复/);

    const h = await kb.history(e.id);
    t.same(
      h.map((r) => r.action),
      ['create', 'submit', 'approve', 'update', 'submit', 'reject', 'update', 'submit', 'approve'],
    );
    t.same(h.map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    t.equal(h[5]!.note, '请写明补卡费用');
    t.equal(h[0]!.actorId, 'u-hr');
    t.equal(h[2]!.actorRole, 'supervisor');

    // A stale version is refused (two editors).
    await t.rejects(kb.update(hrss, e.id, { title: 'x' }, 1), { code: 'knowledge_version' });
    // A unit may not move its entry to another unit, nor create one for another unit.
    await t.rejects(kb.update(hrss, e.id, { unit: '市住建局' }), { code: 'forbidden' });
    await t.rejects(kb.create(hrss, fund), { code: 'forbidden' });
  });

  t.test(`${engine}: validity window, withdrawal, staleness, uses and misses`, async (t) => {
    const { db } = await freshDatabase(t, engine);
    const clock = new FakeClock(new Date('2026-12-07T02:00:00Z'));
    const store = new SqlKnowledgeStore(db);
    const kb = new KnowledgeService({ store, clock, analyzer, refreshMs: 0 });
    const a = await kb.create(office, { ...fund, validFrom: '2026-01-01', validTo: '2026-12-31' });
    await kb.submit(office, a.id);
    await kb.approve(office, a.id);
    t.equal((await kb.search('公积金怎么取'))[0]?.entryId, a.id);
    t.same(await kb.search('公积金怎么取', { at: new Date('2027-01-01T02:00:00Z') }), [], 'not served after valid-to');
    t.same(await kb.search('公积金怎么取', { at: new Date('2025-12-31T02:00:00Z') }), [], 'not served before valid-from');
    t.same(await kb.stale(), [], 'nothing stale today');
    t.same((await kb.stale('市住房公积金中心', new Date('2027-01-02T02:00:00Z')))[0]?.reasons, ['expired']);
    t.same((await kb.stale(undefined, new Date('2027-12-08T02:00:00Z')))[0]?.reasons, ['expired', 'unreviewed']);
    t.same(await kb.stale('市人社局', new Date('2027-01-02T02:00:00Z')), [], 'per unit');

    await kb.withdraw(office, a.id, '政策已废止');
    t.same(await kb.search('公积金怎么取'), [], 'a withdrawn entry is not served');

    await kb.recordUse(a.id, { channel: 'desk', by: 'u-op', ticketId: null, at: clock.now() });
    await kb.recordUse(a.id, { channel: 'wechat', by: null, ticketId: null, at: clock.now() });
    await kb.recordMiss('狗证怎么办，我电话13812345678', { channel: 'wechat', at: clock.now() });
    const top = await store.topUses({ from: new Date('2026-12-01T00:00:00Z'), to: new Date('2026-12-31T00:00:00Z'), limit: 5 });
    t.same(top, [{ entryId: a.id, title: fund.title, unit: '市住房公积金中心', uses: 2 }]);
    const misses = await store.misses({ from: new Date('2026-12-01T00:00:00Z'), to: new Date('2026-12-31T00:00:00Z'), limit: 5 });
    t.match(misses[0]?.question, /^狗证怎么办/);
    t.notMatch(misses[0]?.question, /13812345678/, 'phone numbers masked in the to-do list');
    t.equal(misses[0]?.channel, 'wechat');
    const listed = await kb.list({ unit: '市住房公积金中心' });
    t.equal(listed.total, 1);
    t.equal((await kb.list({ title: '公积金' })).total, 1);
    t.equal((await kb.list({ state: 'approved' })).total, 0);
  });
}

t.test('another instance sees a change through the change counter', async (t) => {
  const [a, b] = await sqliteFilePair(t);
  const clock = new FakeClock(new Date('2026-12-07T02:00:00Z'));
  let now = 0;
  const kbA = new KnowledgeService({ store: new SqlKnowledgeStore(a), clock, analyzer, refreshMs: 1000, monotonic: () => now });
  const kbB = new KnowledgeService({ store: new SqlKnowledgeStore(b), clock, analyzer, refreshMs: 1000, monotonic: () => now });
  t.same(await kbB.search('社保卡丢了'), []);
  const e = await kbA.create(office, card);
  await kbA.submit(office, e.id);
  await kbA.approve(office, e.id);
  t.equal((await kbA.search('社保卡丢了'))[0]?.entryId, e.id, 'at once on the writing instance');
  t.same(await kbB.search('社保卡丢了'), [], 'the other instance has not checked yet');
  now += 1000;
  t.equal((await kbB.search('社保卡丢了'))[0]?.entryId, e.id, 'after its check interval');
});
