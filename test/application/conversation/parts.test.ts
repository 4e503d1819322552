import t from 'tap';
import { FakeClock } from '../../../src/domain/clock.js';
import { emergencyAdvice, emergencyNumbers } from '../../../src/application/conversation/emergency.js';
import { formatChineseDateTime } from '../../../src/application/conversation/format.js';
import {
  isGreetingOnly,
  looksLikeTicketNumber,
  parseCommand,
  parseConfirm,
  parseEditChoice,
  parseFollowupReply,
} from '../../../src/application/conversation/intents.js';
import { conversationStoreOver } from '../../../src/application/conversation/store.js';
import { InMemoryConversationStore } from '../../fakes/conversation-store.js';
import type { StateStore } from '../../../src/application/ports/misc.js';

t.test('deadlines read in Beijing time, whatever the server zone', async (t) => {
  t.equal(formatChineseDateTime(new Date('2026-03-06T10:00:00Z')), '2026年3月6日（星期五）18:00');
  t.equal(formatChineseDateTime(new Date('2026-12-31T16:05:00Z')), '2027年1月1日（星期五）00:05', 'crosses the date line in UTC');
  t.equal(formatChineseDateTime(new Date('2026-03-01T01:30:00Z')), '2026年3月1日（星期日）09:30');
});

t.test('emergency numbers by what happened', async (t) => {
  t.same(emergencyNumbers('仓库着火了'), ['119']);
  t.same(emergencyNumbers('小区燃气泄漏，味道很大'), ['119']);
  t.same(emergencyNumbers('有人晕倒在路边'), ['120']);
  t.same(emergencyNumbers('路口有人打架，还有人受伤流血'), ['110', '120']);
  t.same(emergencyNumbers('老人走失两天了'), ['110']);
  t.same(emergencyNumbers('情况紧急', ['火灾', '人员受伤']), ['119', '120'], 'classifier reasons count too');
  t.same(emergencyNumbers('桥梁出现裂缝'), []);
  t.equal(emergencyAdvice([]), '如有人身或财产安全危险，请同时拨打110、119或120。');
  t.equal(emergencyAdvice(['110', '120']), '如情况危急，请立即拨打电话：报警请拨打110，急救请拨打120。');
});

t.test('commands match whole messages only', async (t) => {
  t.same(parseCommand('查询 20260301-0007'), { kind: 'query', number: '20260301-0007' });
  t.same(parseCommand('查询：202603010007。'), { kind: 'query', number: '20260301-0007' });
  t.same(parseCommand('查询进度 20260301-0007'), { kind: 'query', number: '20260301-0007' });
  t.same(parseCommand('查询 ab12cd'), { kind: 'query', number: 'AB12CD' }, 'other formats are passed on for the lookup to judge');
  t.same(parseCommand('查询'), { kind: 'query', number: null });
  t.equal(parseCommand('查询一下公积金怎么提取'), null);
  t.same(parseCommand(' 取消。'), { kind: 'cancel' });
  t.equal(parseCommand('取消的航班怎么办'), null);
  t.same(parseCommand('转人工'), { kind: 'operator' });
  t.same(parseCommand('人工！'), { kind: 'operator' });
  t.same(parseCommand('帮助'), { kind: 'help' });
  t.same(parseCommand('？'), { kind: 'help' });
  t.equal(parseCommand('路灯坏了'), null);
  t.equal(looksLikeTicketNumber('２０２６０３０１-０００７'), '20260301-0007');
  t.equal(looksLikeTicketNumber('路灯坏了'), null);
});

t.test('confirmation, edit choice, greetings', async (t) => {
  for (const yes of ['是', '是的', '对', '确认', '好的', 'OK', 'Yes!']) t.equal(parseConfirm(yes), 'yes', yes);
  for (const no of ['否', '放弃', '算了']) t.equal(parseConfirm(no), 'no', no);
  for (const edit of ['修改', '不对', '不是']) t.equal(parseConfirm(edit), 'edit', edit);
  t.equal(parseConfirm('修改描述'), 'edit_description');
  t.equal(parseConfirm('更正地址'), 'edit_place');
  t.equal(parseConfirm('是不是要等很久'), null);
  t.equal(parseEditChoice('１'), 'description', 'full-width digit');
  t.equal(parseEditChoice('地点'), 'place');
  t.equal(parseEditChoice('3'), null);
  t.ok(isGreetingOnly('你好'));
  t.ok(isGreetingOnly('您好，在吗？'));
  t.notOk(isGreetingOnly('你好，路灯坏了'));
});

t.test('follow-up answers', async (t) => {
  t.same(parseFollowupReply('1'), { satisfaction: '满意' });
  t.same(parseFollowupReply('２'), { satisfaction: '基本满意' });
  t.same(parseFollowupReply('3。'), { satisfaction: '不满意' });
  t.same(parseFollowupReply('不满意'), { satisfaction: '不满意' });
  t.same(parseFollowupReply('已解决'), { solved: true });
  t.same(parseFollowupReply('没有解决'), { solved: false });
  t.same(parseFollowupReply('1，已解决'), { satisfaction: '满意', solved: true });
  t.same(parseFollowupReply('未解决 3'), { satisfaction: '不满意', solved: false });
  t.equal(parseFollowupReply('12'), null);
  t.equal(parseFollowupReply('4'), null);
  t.equal(parseFollowupReply('问题还是没有解决，路灯又坏了'), null, 'long text is a new report, not a rating');
  t.equal(parseFollowupReply(''), null);
});

t.test('in-memory store: JSON copies, expiry, sweep', async (t) => {
  const clock = new FakeClock('2026-03-02T02:00:00Z');
  const store = new InMemoryConversationStore(clock);
  const rec = { t: 'seen' as const, at: 'x' };
  await store.save('k', rec, new Date(clock.now().getTime() + 1000));
  rec.at = 'mutated';
  t.same(await store.get('k'), { t: 'seen', at: 'x' }, 'a copy is stored');
  clock.advance(1000);
  t.equal(await store.get('k'), null, 'gone at expiry');
  await store.save('a', { t: 'seen', at: '1' }, new Date(clock.now().getTime() + 10));
  await store.save('b', { t: 'seen', at: '2' }, new Date(clock.now().getTime() + 100));
  clock.advance(50);
  t.equal(store.sweep(), 1);
  await store.delete('b');
  t.equal(store.size, 0);
});

t.test('store over the shared StateStore port', async (t) => {
  const clock = new FakeClock('2026-03-02T02:00:00Z');
  const calls: unknown[][] = [];
  const docs = new Map<string, unknown>();
  const states: StateStore = {
    async get<T>(scope: string, key: string, now: Date) {
      calls.push(['get', scope, key, now.toISOString()]);
      return (docs.get(`${scope}/${key}`) as T) ?? null;
    },
    async put<T>(scope: string, key: string, doc: T, now: Date, expiresAt?: Date | null) {
      calls.push(['put', scope, key, now.toISOString(), expiresAt?.toISOString()]);
      docs.set(`${scope}/${key}`, doc);
    },
    async delete(scope: string, key: string) {
      calls.push(['delete', scope, key]);
      docs.delete(`${scope}/${key}`);
    },
    async list() {
      return [];
    },
  };
  const store = conversationStoreOver(states, clock);
  await store.save('conv:x', { t: 'seen', at: 'a' }, new Date('2026-03-03T00:00:00Z'));
  t.same(await store.get('conv:x'), { t: 'seen', at: 'a' });
  await store.delete('conv:x');
  t.same(calls, [
    ['put', 'conversation', 'conv:x', '2026-03-02T02:00:00.000Z', '2026-03-03T00:00:00.000Z'],
    ['get', 'conversation', 'conv:x', '2026-03-02T02:00:00.000Z'],
    ['delete', 'conversation', 'conv:x'],
  ]);
});
