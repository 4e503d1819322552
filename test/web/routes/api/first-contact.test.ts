/**
 * Issue 24, item 5: 一次性答复率 (answered on first contact / 咨询 received) per channel, operator and
 * period, in JSON and the CSV/XLSX exports; the questions that found no entry grouped into a to-do
 * list per unit; the most used entries. SQLite, and PostgreSQL with SUBAN_TEST_PG_URL.
 */
import t from 'tap';
import ExcelJS from 'exceljs';
import type { Principal } from '../../../../src/domain/policy.js';
import { firstContactFigures, groupMisses } from '../../../../src/domain/kpi/first-contact.js';
import { testApp } from '../../../helpers/app.js';
import { KnowledgeDouble } from '../../../helpers/knowledge-double.js';

const engines: ('sqlite' | 'pg')[] = ['sqlite', ...(process.env.SUBAN_TEST_PG_URL ? (['pg'] as const) : [])];
const OP: Principal = { id: 'op-x', name: '话务员', role: 'operator', unit: null };

t.test('groupMisses: similar questions are one item, per unit', async (t) => {
  const at = new Date('2026-11-26T02:00:00Z');
  const split = (s: string) => s.split(/[ ，？]/);
  const groups = groupMisses(
    [
      { question: '公积金 贷款 利率 多少', channel: 'sms', at },
      { question: '公积金 贷款 额度 怎么 算', channel: 'wechat', at },
      { question: '公积金 贷款 利率 现在', channel: 'phone', at },
      { question: '驾驶证 换证 体检', channel: 'phone', at },
    ],
    split,
    (q) => (q.includes('公积金') ? '市住房公积金中心' : '市公安局'),
  );
  t.equal(groups.length, 2);
  t.match(groups[0], { unit: '市住房公积金中心', count: 3, terms: ['公积金', '贷款'], channels: { sms: 1, wechat: 1, phone: 1 } });
  t.equal(groups[0]!.examples.length, 3);
  t.match(groups[1], { unit: '市公安局', count: 1 });
});

for (const engine of engines) {
  t.test(`${engine}: 一次性答复率, the misses to-do list and the most used entries`, async (t) => {
    const h = await testApp(t, { engine });
    const kb = new KnowledgeDouble();
    h.ctx.answers.useKnowledge(kb);

    // Phone: two answered at the desk by the operator, one of them reopened by its 回访.
    const a1 = await h.call('operator', 'POST', '/api/v1/answers', { content: '咨询社保卡补办', contact: '13900000001', entryId: 'kb-sbk', answer: '到网点办理。' });
    const a2 = await h.call('operator', 'POST', '/api/v1/answers', { content: '咨询新生儿落户', contact: '13900000002', entryId: 'kb-hk', answer: '到派出所办理。' });
    t.equal(a1.status, 201);
    await h.ctx.tickets.recordFollowUp(OP, a2.json.ticket.id, { satisfaction: '不满意', solved: false, via: 'phone' });
    // Web: a 咨询 the operator filed for dispatch; and a 求助, which is no 咨询 at all.
    t.equal((await h.call('operator', 'POST', '/api/v1/tickets', { content: '咨询公积金贷款利率', category: '咨询' })).status, 201);
    t.equal((await h.call('operator', 'POST', '/api/v1/tickets', { content: '路灯坏了', category: '求助', unit: '市城管局' })).status, 201);
    // SMS: answered by the bot, the citizen said 1.
    await h.ctx.smsInbox.receive({ id: 'S1', from: '13800000009', to: '12345', text: '社保卡怎么补办？', at: h.clock.now(), provider: 'sim' });
    await h.ctx.smsInbox.receive({ id: 'S2', from: '13800000009', to: '12345', text: '1', at: h.clock.now(), provider: 'sim' });

    const byChannel = await h.call('supervisor', 'GET', '/api/v1/stats/first-contact?groupBy=channel');
    t.equal(byChannel.status, 200, byChannel.body);
    t.match(byChannel.json.rows, [
      { key: 'phone', label: '电话', consultations: 2, answered: 2, rate: 1, reopened: 1 },
      { key: 'sms', label: '短信', consultations: 1, answered: 1, rate: 1 },
      { key: 'web', label: '网站', consultations: 1, answered: 0, rate: 0 },
    ]);
    t.match(byChannel.json.total, { consultations: 4, answered: 3, rate: 0.75, reopened: 1 });

    const byOperator = await h.call('supervisor', 'GET', '/api/v1/stats/first-contact?groupBy=operator');
    t.match(byOperator.json.rows, [
      { key: 'op', consultations: 3, answered: 2 },
      { key: '自助渠道', consultations: 1, answered: 1 },
    ]);
    const byDay = await h.call('supervisor', 'GET', '/api/v1/stats/first-contact?groupBy=day');
    t.match(byDay.json.rows, [{ key: '2026-11-26', consultations: 4, answered: 3 }]);
    const lastMonth = await h.call('supervisor', 'GET', '/api/v1/stats/first-contact?from=2026-10-01&to=2026-10-31');
    t.match(lastMonth.json.total, { consultations: 0, rate: null }, 'another period counts its own');
    t.equal((await h.call('unitA', 'GET', '/api/v1/stats/first-contact')).status, 403);
    t.equal((await h.call('supervisor', 'GET', '/api/v1/stats/first-contact?from=bad')).status, 400);

    const csv = await h.call('supervisor', 'GET', '/api/v1/stats/first-contact?groupBy=channel&format=csv');
    t.match(csv.headers['content-type'], /text\/csv/);
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    t.equal(lines[0], '渠道,咨询受理量,一次性答复量,一次性答复率,答复后重办');
    t.match(lines.at(-1), /^全市,4,3,75(\.0+)?%,1$/);
    const xlsx = await h.app.inject({ method: 'GET', url: '/api/v1/stats/first-contact?groupBy=operator&format=xlsx', headers: { authorization: `Bearer ${h.tokens.supervisor}` } });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    const cells = (r: number) => (ws.getRow(r).values as unknown[]).slice(1).map((v) => (typeof v === 'object' && v !== null && 'result' in v ? (v as { result: unknown }).result : v));
    const header = ws.getRow(1).values as unknown[];
    const first = header.includes('答复人') ? 1 : 2;
    t.same((ws.getRow(first).values as unknown[]).slice(1), ['答复人', '咨询受理量', '一次性答复量', '一次性答复率', '答复后重办']);
    t.match(cells(first + 1).slice(0, 3), ['op', 3, 2]);

    // The misses and the uses, in the knowledge base's own store.
    const kbs = h.ctx.knowledge;
    const at = h.clock.now();
    for (const q of ['公积金贷款利率是多少', '公积金贷款利率现在多少', '公积金贷款额度怎么算', '驾驶证到期换证需要体检吗']) await kbs.recordMiss(q, { channel: 'phone', at });
    const misses = await h.call('supervisor', 'GET', '/api/v1/answers/misses');
    t.equal(misses.status, 200, misses.body);
    t.equal(misses.json.questions, 4);
    t.ok(misses.json.groups.length >= 2 && misses.json.groups.length <= 3, `grouped: ${JSON.stringify(misses.json.groups.map((g: { terms: string[]; count: number }) => [g.terms, g.count]))}`);
    t.ok(misses.json.groups[0].count >= 2, 'similar questions are one item');
    t.ok(misses.json.groups[0].terms.includes('公积金'), 'named by its telling terms');
    const unitOfTop = misses.json.groups[0].unit as string | null;
    t.ok(misses.json.units.some((u: { unit: string | null }) => u.unit === unitOfTop), 'counted per unit');
    t.equal((await h.call('unitA', 'GET', '/api/v1/answers/misses')).json.groups.every((g: { unit: string }) => g.unit === '市城管局'), true, 'a unit sees its own list only');

    await kbs.recordUse('kb-sbk', { channel: 'phone', by: 'op', ticketId: null, at });
    await kbs.recordUse('kb-sbk', { channel: 'sms', by: null, ticketId: null, at });
    await kbs.recordUse('kb-hk', { channel: 'phone', by: 'op', ticketId: null, at });
    const top = await h.call('supervisor', 'GET', '/api/v1/answers/top-entries');
    t.equal(top.status, 200, top.body);
    t.match(top.json.items, [{ entryId: 'kb-sbk', uses: 2 }, { entryId: 'kb-hk', uses: 1 }]);
  });
}

t.test('firstContactFigures: a ticket whose category was changed to 咨询 counts; one created before the period does not', async (t) => {
  const ev = (seq: number, at: string, data: object, actorRole = 'operator') => ({ ticketId: 'x', seq, at: new Date(at), actorId: 'op', actorRole, actorName: '话务员', via: 'api', data }) as never;
  const created = (cat: string) => ({ type: 'created', number: 'n', channel: 'phone', contact: null, contactName: null, content: 'c', category: cat, urgent: false, township: null, place: null, attachments: [], noCallback: false, externalRef: null });
  const r = firstContactFigures(
    [
      [ev(1, '2026-11-02T01:00:00Z', created('求助')), ev(2, '2026-11-02T01:05:00Z', { type: 'updated', changes: { category: '咨询' } })],
      [ev(1, '2026-10-30T01:00:00Z', created('咨询')), ev(2, '2026-11-02T01:00:00Z', { type: 'answered', entryId: 'e', answer: 'a', by: '话务员', channel: 'phone', sms: false })],
    ],
    { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z') },
    'city',
  );
  t.match(r.total, { consultations: 1, answered: 0 });
});
