import t from 'tap';
import { approveEntry, createEntry, inForce, mayEditKnowledge, monthsBefore, normalizeContent, rejectEntry, servedContent, staleness, submitEntry, updateEntry, withdrawEntry, type KnowledgeActor } from '../../../src/domain/knowledge/entry.js';

const office: KnowledgeActor = { id: 's', name: '督办员', role: 'supervisor', unit: null };
const unit: KnowledgeActor = { id: 'u', name: '人社', role: 'unit', unit: '市人社局' };
const operator: KnowledgeActor = { id: 'o', name: '话务员', role: 'operator', unit: null };
const at = new Date('2026-12-07T02:00:00Z');
const base = { title: ' 社保卡补办 ', variants: ['社保卡丢了', '社保卡丢了', ' ', '社保卡补办 '], answer: '带身份证到窗口办理。\r\n\r\n\r\n以窗口最新要求为准。', tags: '社保;社保卡' };

t.test('content is normalised and checked', async (t) => {
  const c = normalizeContent({ ...base, validFrom: '2026年1月1日', validTo: '2026/12/31' });
  t.equal(c.title, '社保卡补办');
  t.same(c.variants, ['社保卡丢了'], 'duplicates, blanks and the title itself are dropped');
  t.equal(c.answer, '带身份证到窗口办理。\n\n以窗口最新要求为准。');
  t.same(c.tags, ['社保', '社保卡']);
  t.equal(c.validFrom, '2026-01-01');
  t.equal(c.validTo, '2026-12-31');
  t.equal(c.readable, false);
  t.throws(() => normalizeContent({ title: '', answer: 'x' }), { code: 'invalid_knowledge' });
  t.throws(() => normalizeContent({ title: 'x' }), { code: 'invalid_knowledge' });
  t.throws(() => normalizeContent({ title: 'x', answer: 'y', validFrom: '2026-13-01' }), { code: 'invalid_knowledge' });
  t.throws(() => normalizeContent({ title: 'x', answer: 'y', validFrom: '2026-05-01', validTo: '2026-04-01' }), { code: 'invalid_knowledge' });
  t.throws(() => normalizeContent({ title: 'x'.repeat(101), answer: 'y' }), { code: 'invalid_knowledge' });
  t.throws(() => normalizeContent({ title: 'x', answer: 'y', variants: [1] }), { code: 'invalid_knowledge' });
  t.throws(() => normalizeContent({ title: 'x', answer: 'y', readable: 'yes' }), { code: 'invalid_knowledge' });
});

t.test('permissions: a unit edits its own unit; the office edits all and reviews; operators read only', async (t) => {
  t.ok(mayEditKnowledge(unit, '市人社局'));
  t.notOk(mayEditKnowledge(unit, '市住建局'));
  t.notOk(mayEditKnowledge(unit, null));
  t.ok(mayEditKnowledge(office, '市住建局'));
  t.notOk(mayEditKnowledge(operator, null));
  t.throws(() => createEntry('k1', base, operator, at), { code: 'forbidden' });
  t.throws(() => createEntry('k1', { ...base, unit: '市住建局' }, unit, at), { code: 'forbidden' });
  t.throws(() => createEntry('k1', base, unit, at, { approved: true }), { code: 'forbidden' }, 'only the office imports approved entries');
});

t.test('review: the published content is served until a new revision is approved', async (t) => {
  let { entry: e, record } = createEntry('k1', base, unit, at);
  t.equal(e.unit, '市人社局', "a unit's entry belongs to its unit");
  t.equal(record.action, 'create');
  t.equal(e.state, 'draft');
  t.equal(servedContent(e, at), null);
  t.throws(() => approveEntry(e, office, at), { code: 'knowledge_state' });
  t.throws(() => rejectEntry(e, office, at, '不对'), { code: 'knowledge_state' });
  e = submitEntry(e, unit, at).entry;
  t.equal(e.state, 'pending');
  t.throws(() => submitEntry(e, unit, at), { code: 'knowledge_state' });
  t.throws(() => approveEntry(e, unit, at), { code: 'forbidden' });
  e = approveEntry(e, office, at).entry;
  t.equal(e.state, 'approved');
  t.equal(e.draft, null);
  t.equal(servedContent(e, at)?.title, '社保卡补办');
  t.equal(e.version, 3);
  const edited = updateEntry(e, { answer: '新的答复' }, unit, at).entry;
  t.equal(edited.state, 'draft');
  t.equal(servedContent(edited, at)?.answer, e.published!.answer, 'still the approved answer');
  t.equal(edited.draft?.answer, '新的答复');
  t.equal(edited.draft?.title, '社保卡补办', 'unchanged fields carried over');
  const pending = submitEntry(edited, unit, at).entry;
  t.throws(() => rejectEntry(pending, office, at, ' '), { code: 'invalid_knowledge' });
  const rejected = rejectEntry(pending, office, at, '补充费用');
  t.equal(rejected.entry.state, 'rejected');
  t.equal(rejected.record.note, '补充费用');
  t.equal(servedContent(rejected.entry, at)?.answer, e.published!.answer);
  // 复核: an approved entry without a draft is submitted for re-review as it is.
  const review = submitEntry(e, unit, at).entry;
  t.same(review.draft, e.published);
  const w = withdrawEntry(e, office, at, '废止').entry;
  t.equal(w.state, 'withdrawn');
  t.equal(servedContent(w, at), null);
  t.throws(() => withdrawEntry(w, office, at), { code: 'knowledge_state' });
  t.throws(() => withdrawEntry(e, unit, at), { code: 'forbidden' });
});

t.test('validity and staleness use Shanghai days', async (t) => {
  t.ok(inForce({ validFrom: '2026-12-07', validTo: '2026-12-07' }, new Date('2026-12-06T16:00:00Z')), '00:00 in Shanghai is the 7th');
  t.notOk(inForce({ validFrom: '2026-12-07', validTo: null }, new Date('2026-12-06T15:59:00Z')));
  t.notOk(inForce({ validFrom: null, validTo: '2026-12-06' }, new Date('2026-12-06T16:00:00Z')));
  t.equal(monthsBefore('2026-12-07', 12), '2025-12-07');
  t.equal(monthsBefore('2024-02-29', 12), '2023-02-28');
  t.equal(monthsBefore('2026-03-31', 1), '2026-02-28');
  const { entry } = createEntry('k1', { ...base, validTo: '2027-06-30' }, office, at, { approved: true });
  t.same(staleness(entry, at), []);
  t.same(staleness(entry, new Date('2027-07-01T02:00:00Z')), ['expired']);
  t.same(staleness(entry, new Date('2027-12-06T02:00:00Z')), ['expired'], 'reviewed 12 months ago less a day');
  t.same(staleness(entry, new Date('2027-12-07T02:00:00Z')), ['expired', 'unreviewed']);
  const draft = createEntry('k2', base, office, at).entry;
  t.same(staleness(draft, new Date('2030-01-01T00:00:00Z')), [], 'a draft is not in service, so not stale');
});
