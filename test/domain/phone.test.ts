import t from 'tap';
import { callbackPhone, isPhoneNumber, normalisePhone, parsePhone, toE164 } from '../../src/domain/phone.js';
import { parseCallbackPhone } from '../../src/application/conversation/intents.js';
import { toE164 as twilioE164 } from '../../adapters/twilio/client.js';
import { isReachablePhone } from '../../src/domain/duty/roster.js';

t.test('one normaliser: every spelling of a number is one number', async (t) => {
  const mobile = ['13800138000', '138 0013 8000', '138-0013-8000', '+86 138 0013 8000', '+8613800138000', '0086 13800138000', '8613800138000', '(+86) 138.0013.8000', '１３８００１３８０００', '＋86 13800138000'];
  for (const m of mobile) t.same(parsePhone(m), { national: '13800138000', kind: 'mobile', e164: '+8613800138000' }, m);
  for (const l of ['0797-1234567', '0797 1234567', '(0797)1234567', '+86 797 1234567', '+86 0797 1234567', '0086-797-1234567']) t.same(parsePhone(l), { national: '07971234567', kind: 'landline', e164: '+867971234567' }, l);
  t.same(parsePhone('010-12345678'), { national: '01012345678', kind: 'landline', e164: '+861012345678' });
  t.same(parsePhone('12345'), { national: '12345', kind: 'service', e164: null });
  t.same(parsePhone('110'), { national: '110', kind: 'service', e164: null });
  t.same(parsePhone('400-123-4567'), { national: '4001234567', kind: 'service', e164: '+864001234567' });
  t.same(parsePhone('+1 415 555 0100'), { national: '+14155550100', kind: 'other', e164: '+14155550100' }, 'a foreign number keeps its +');
  for (const bad of ['', '12', 'abc', 'wxid_abc123', '138001380001234567890123', '1380013800O', null, undefined]) t.equal(parsePhone(bad as string), null, String(bad));
  t.equal(normalisePhone('+86 138-0013-8000'), '13800138000');
  t.equal(normalisePhone('wxid abc'), 'wxidabc', 'not a number: separators removed, nothing else');
  t.ok(isPhoneNumber('0797-1234567'));
  t.notOk(isPhoneNumber('12'));
  t.equal(callbackPhone('12345'), null, 'a short code is no callback number');
  t.equal(callbackPhone('+86 797 1234567'), '07971234567');
  t.equal(toE164('0797-1234567'), '+867971234567');
  t.equal(toE164('12345'), '12345', 'a short code is passed on as it is');
});

t.test('the former regexes now go through it', async (t) => {
  // WeChat: a number typed alone in the chat becomes the 回访 number.
  t.equal(parseCallbackPhone('电话:138 0013 8000。'), '13800138000');
  t.equal(parseCallbackPhone('手机号是+86１３８００１３８０００'), '13800138000');
  t.equal(parseCallbackPhone('0797-1234567'), '07971234567');
  t.equal(parseCallbackPhone('12345'), null);
  t.equal(parseCallbackPhone('我家在红都大道138号'), null);
  // Twilio gets E.164 from the same function.
  t.equal(twilioE164('138 0013 8000'), '+8613800138000');
  t.equal(twilioE164('0797-1234567'), '+867971234567');
  t.equal(twilioE164('+14155550100'), '+14155550100');
  // Duty rosters: anything that is a number can be dialled (short internal numbers too).
  t.ok(isReachablePhone('0797 1234567'));
  t.ok(isReachablePhone('8021'));
  t.notOk(isReachablePhone('无'));
  t.notOk(isReachablePhone(null));
});
