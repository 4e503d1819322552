/**
 * The IVR's assessSpeech with the real classifier: what a caller says decides the 即办 queue and
 * the 110/119/120 advice they hear before it, the same text the WeChat bot sends.
 */
import t from 'tap';
import { assessSpeech } from '../../../src/application/voice/speech-triage.js';
import { createClassifier, loadDutyList } from '../../../adapters/fs-config/routing.js';

const assess = assessSpeech(createClassifier(loadDutyList()));
const CTX = { callId: 'c1', caller: '13800000000', flow: 'hotline', step: 'speech-triage', idempotencyKey: 'c1:1', at: new Date(0), ivrPath: '主菜单 语音' };

t.test('fire, crime and medical emergencies get their number', async (t) => {
  t.match(await assess({ text: '我家楼下着火了，浓烟很大' }, CTX), { urgent: true, advice: /119/ });
  t.match(await assess({ text: '有人拿着刀在街上追着砍人' }, CTX), { urgent: true, advice: /110/ });
  t.match(await assess({ text: '路上有个老人晕倒了，叫不醒' }, CTX), { urgent: true, advice: /120/ });
});

t.test('a risk is 待核实: no 即办 queue, no advice', async (t) => {
  const r = await assess({ text: '楼道里的电线老化了，怕会起火' }, CTX);
  t.match(r, { urgent: false, urgentCheck: true, advice: '' });
  t.match(await assess({ text: '' }, CTX), { urgent: false, urgentCheck: false, advice: '' });
});
