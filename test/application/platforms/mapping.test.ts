import t from 'tap';
import { readFileSync } from 'node:fs';
import { loadPlatforms } from '../../../adapters/fs-config/platforms.js';
import { mapCase } from '../../../src/application/platforms/mapping.js';
import { sign, signedHeaders, verify } from '../../../src/application/platforms/signature.js';

const platforms = loadPlatforms({ env: {} });
const fixture = (f: string) => JSON.parse(readFileSync(`test/fixtures/platforms/${f}`, 'utf8'));

t.test('an interconnect case maps with its status, unit and attachments', async (t) => {
  const r = mapCase(platforms.get('hotline-12315')!, fixture('hotline-12315-new.json'));
  t.ok(r.ok);
  if (!r.ok) return;
  t.equal(r.value.caseId, '3607812026112600158');
  t.match(r.value.content, /^【购买的电饭煲质量问题商家拒绝退货】本人11月20日/, 'the title leads the content');
  t.equal(r.value.category, '投诉');
  t.equal(r.value.unit, '市市场监管局');
  t.equal(r.value.mirrorState, 'open', '已分送 is still open on 12315');
  t.equal(r.value.attachments.length, 2);
  t.equal(r.value.attachments[0]!.kind, 'image');
  const answered = mapCase(platforms.get('hotline-12315')!, fixture('hotline-12315-answered.json'));
  t.ok(answered.ok && answered.value.mirrorState === 'replied' && answered.value.reply?.startsWith('经调解'));
});

t.test('nested fields, numeric ids and unknown category labels', async (t) => {
  const p = platforms.get('hotline-12328')!;
  const r = mapCase(p, { case: { id: 99120, description: '公交车司机中途甩客', type: '不满意', state: 'NEW', photos: [{ url: 'https://x.example.cn/a.png' }] }, caller: { phone: '13800000000' } });
  t.ok(r.ok);
  if (!r.ok) return;
  t.equal(r.value.caseId, '99120', 'numbers become text ids');
  t.equal(r.value.category, null, 'an unknown label leaves the category to the classifier');
  t.equal(r.value.contact, '13800000000');
  t.same(r.value.attachments, [{ kind: 'image', url: 'https://x.example.cn/a.png' }]);
  const merged = mapCase(platforms.get('wenzheng-gz')!, fixture('wenzheng-gz-case.json'));
  t.ok(merged.ok && merged.value.mirrorState === null, 'only interconnect cases carry a mirror state');
});

t.test('malformed cases are refused with every reason', async (t) => {
  const p = platforms.get('hotline-12315')!;
  for (const bad of [null, [], 'text', 42]) t.notOk(mapCase(p, bad).ok, `refuses ${JSON.stringify(bad)}`);
  const r = mapCase(p, { caseStatus: '被外星人带走' });
  t.notOk(r.ok);
  if (r.ok) return;
  t.equal(r.errors.length, 3, 'no case id, no content, unknown status');
  t.match(r.errors.join(), /缺少案件编号/);
  t.notOk(mapCase(p, { complaintNo: 'a b<script>', appealContent: 'x', caseStatus: '待处理' }).ok, 'an id with spaces or markup is refused');
  t.notOk(mapCase(p, { complaintNo: 'A1', appealContent: '长'.repeat(10_001), caseStatus: '待处理' }).ok, 'oversized content is refused');
});

t.test('HMAC-SHA256 signatures over timestamp and body', async (t) => {
  // Independent vector: printf '1764122400.{}' | openssl dgst -sha256 -hmac secret
  t.equal(sign('secret', 1764122400, '{}'), 'sha256=9a151f343352002e0431955a1b2feeb5d230b60b6b4e6b275c32f3d545fcf91c');
  const now = new Date('2026-11-26T02:00:00Z');
  const body = '{"a":1}';
  const h = signedHeaders('k', body, now);
  const ok = verify('k', { timestamp: h['x-suban-timestamp'], signature: h['x-suban-signature'] }, Buffer.from(body), now);
  t.same(ok, { ok: true });
  t.same(verify('k', { timestamp: h['x-suban-timestamp'], signature: h['x-suban-signature'] }, '{"a":2}', now), { ok: false, reason: 'mismatch' });
  t.same(verify('other', { timestamp: h['x-suban-timestamp'], signature: h['x-suban-signature'] }, body, now), { ok: false, reason: 'mismatch' });
  t.same(verify('k', { timestamp: h['x-suban-timestamp'], signature: h['x-suban-signature'] }, body, new Date(now.getTime() + 301_000)), { ok: false, reason: 'stale' }, 'a replay after five minutes is refused');
  t.same(verify('k', {}, body, now), { ok: false, reason: 'missing' });
  t.same(verify('k', { timestamp: 'yesterday', signature: 'md5=abc' }, body, now), { ok: false, reason: 'malformed' });
});
