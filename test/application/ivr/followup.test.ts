import t from 'tap';
import { Call, harness } from './harness.js';

const FOLLOWUP = {
  flow: 'followup',
  callId: 'FU1',
  caller: '12345',
  called: '13800000001',
  direction: 'outbound' as const,
  vars: { ticketNumber: '20261120-0031', unitName: '市城市管理局', replySummary: '已安排维修人员更换路灯。' },
};

async function answer(keys: string[], record?: string) {
  const h = harness();
  const c = await Call.start(h.runner, FOLLOWUP);
  for (const k of keys) await c.press(k);
  if (record !== undefined) await c.recorded(record);
  return { h, c };
}

t.test('reads the ticket and the reply, then asks for satisfaction', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, FOLLOWUP);
  t.match(c.text(), '工单编号二〇二六一一二〇，〇〇三一，市城市管理局的答复是：已安排维修人员更换路灯。');
  t.match(c.text(), /满意请按1，基本满意请按2，不满意请按3/);
});

t.test('满意, 已解决, # skips the reason', async (t) => {
  const { h, c } = await answer(['1', '1', '#']);
  t.same(h.services.calls, [{ name: 'recordFollowup', args: { ticketNumber: '20261120-0031', satisfaction: '满意', solved: true, reasonRecordingUrl: undefined } }]);
  t.match(c.text(), /感谢您对12345热线工作的支持/);
  t.match(c.last('hangup'), { result: 'completed' });
});

t.test('基本满意, 已解决, no key at the reason question: saved without a reason', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, FOLLOWUP);
  await c.press('2');
  await c.press('1');
  await c.silence();
  t.match(h.services.calls[0].args, { satisfaction: '基本满意', solved: true });
  t.match(c.last('hangup'), { result: 'completed' });
});

t.test('不满意, 未解决, 1 then a recorded reason', async (t) => {
  const { h, c } = await answer(['3', '2', '1'], 'https://rec.example/why.wav');
  t.same(h.services.calls[0].args, { ticketNumber: '20261120-0031', satisfaction: '不满意', solved: false, reasonRecordingUrl: 'https://rec.example/why.wav' });
  t.match(c.last('hangup'), { result: 'completed' });
});

t.test('the reason gather lets # be a choice, not a finishing key', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, FOLLOWUP);
  await c.press('3');
  await c.press('2');
  t.match(c.last('gather'), { finishOnKey: '' });
  t.match(c.text(), /不需要请按井号键/);
});

t.test('silence at the solved question keeps the satisfaction answer', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, FOLLOWUP);
  await c.press('1');
  await c.silence();
  await c.silence();
  await c.silence();
  t.match(h.services.calls[0].args, { satisfaction: '满意', solved: undefined });
  t.match(c.last('hangup'), { result: 'completed' });
});

t.test('no answer to the satisfaction question: no_answer, nothing recorded', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, FOLLOWUP);
  await c.silence();
  await c.silence();
  await c.silence();
  t.equal(h.services.calls.length, 0);
  t.match(c.text(), /我们稍后再与您联系/);
  t.match(c.last('hangup'), { result: 'no_answer' });
});

t.test('recordFollowup failing: apology and save_failed', async (t) => {
  const h = harness();
  h.services.failing.add('recordFollowup');
  const c = await Call.start(h.runner, FOLLOWUP);
  for (const k of ['1', '1', '#']) await c.press(k);
  t.match(c.last('hangup'), { result: 'save_failed' });
  t.match(c.text(), /暂时无法记录您的评价/);
});
