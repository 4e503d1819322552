import t from 'tap';
import { testApp } from '../helpers/app.js';

/** Issue 19, item 2: the simulator's routes exist only for a simulated provider. */

const TWILIO = { TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000', TWILIO_AUTH_TOKEN: 'test-auth-token', TWILIO_FROM: '+8679712345' };

t.test('with Twilio for voice and SMS no /api/v1/sim route exists', async (t) => {
  const h = await testApp(t, { env: { SUBAN_VOICE: 'twilio', SUBAN_SMS: 'twilio', ...TWILIO } });
  const forged = await h.call('operator', 'POST', '/api/v1/sim/sms', { from: '13800001234', text: '1' });
  t.equal(forged.status, 404, 'no forged inbound SMS (duty ack, 回访 answer)');
  t.equal(forged.json.error.code, 'route_not_found');
  t.equal((await h.call('admin', 'POST', '/api/v1/sim/calls', { from: '13800001234', press: ['1'] })).status, 404, 'no simulated caller');
  t.equal((await h.call('admin', 'POST', '/api/v1/sim/calls/x/answer')).status, 404);
  t.equal((await h.call('supervisor', 'GET', '/api/v1/sim/outbox')).status, 404);
  const features = await h.call('operator', 'GET', '/api/v1/console/features');
  t.equal(features.json.simAnswer, false, 'the console is told the simulator is absent');
});

t.test('each simulator route follows its own provider', async (t) => {
  const h = await testApp(t, { env: { SUBAN_VOICE: 'sim', SUBAN_SMS: 'twilio', ...TWILIO } });
  t.equal((await h.call('operator', 'POST', '/api/v1/sim/sms', { from: '13800001234', text: '路灯坏了' })).status, 404, 'SMS is real: no simulated inbound SMS');
  t.equal((await h.call('operator', 'GET', '/api/v1/sim/outbox')).status, 200, 'the simulated voice keeps its outbox');
  t.not((await h.call('operator', 'POST', '/api/v1/sim/calls/none/answer')).status, 401);
  const both = await testApp(t);
  t.equal((await both.call('operator', 'POST', '/api/v1/sim/sms', { from: '13800001234', text: '查询' })).status, 201, 'the demo (sim) keeps them');
});
