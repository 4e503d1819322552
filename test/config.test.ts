import t from 'tap';
import { readFileSync } from 'node:fs';
import { cliEnv, configMarkdown, loadConfig } from '../src/config.js';

t.test('defaults load and are what the README documents', async (t) => {
  const c = loadConfig({});
  t.equal(c.databaseUrl, 'sqlite:./data/suban.db');
  t.equal(c.voice, 'sim');
  t.same(c.workHours, [
    { start: '08:30', end: '12:00' },
    { start: '14:30', end: '17:30' },
  ]);
  t.ok(readFileSync('README.md', 'utf8').includes(configMarkdown()), 'README has the generated configuration table (npm run --silent suban -- config --markdown)');
});

t.test('the public URL follows the port unless it is set', async (t) => {
  t.equal(loadConfig({}).publicUrl, 'http://localhost:3000');
  t.equal(loadConfig({ SUBAN_PORT: '3456' }).publicUrl, 'http://localhost:3456', 'the demo on another port prints the address it has');
  t.equal(loadConfig({ SUBAN_PORT: '3456', SUBAN_PUBLIC_URL: 'https://12345.ruijin.gov.cn/' }).publicUrl, 'https://12345.ruijin.gov.cn');
});

t.test('invalid settings are refused with the variable named', async (t) => {
  t.throws(() => loadConfig({ SUBAN_PORT: 'eighty' }), /SUBAN_PORT/);
  t.throws(() => loadConfig({ SUBAN_VOICE: 'carrier-pigeon' }), /voice/);
  t.throws(() => loadConfig({ SUBAN_WORK_HOURS: '09:00-08:00' }), /SUBAN_WORK_HOURS/);
  t.throws(() => loadConfig({ SUBAN_VOICE: 'twilio' }), /TWILIO_ACCOUNT_SID/);
  t.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /databaseUrl/);
  t.throws(() => loadConfig({ WECHAT_MP_AES_KEY: 'short' }), /EncodingAESKey/);
  t.equal(loadConfig({ SUBAN_PUBLIC_URL: 'https://x.cn/' }).cookieSecure, true, 'secure cookies over https');
});

t.test('what the suban commands read from the environment (cliEnv)', async (t) => {
  t.same([cliEnv({}).logLevel, cliEnv({}).apiToken], ['warn', undefined], 'one-shot commands log warnings only; no token');
  t.same([cliEnv({ SUBAN_LOG_LEVEL: 'debug' }).logLevel, cliEnv({ SUBAN_API_TOKEN: 'tok' }).apiToken], ['debug', 'tok']);

  let asked = 0;
  const installed = (yes: boolean) => () => (asked++, yes);
  const withMock = cliEnv({}).demo(installed(true));
  t.same([withMock.noMock, withMock.config().voice, withMock.config().sms, withMock.config().wechaty.puppet], [false, 'sim', 'sim', 'wechaty-puppet-mock'], 'the demo: simulated phone and SMS, the mock WeChat contact');
  const noMock = cliEnv({}).demo(installed(false));
  t.same([noMock.noMock, noMock.config().wechaty.puppet], [true, ''], 'without the mock package: no bot');
  asked = 0;
  const off = cliEnv({ WECHATY_PUPPET: '' }).demo(installed(true));
  t.same([off.noMock, off.config().wechaty.puppet, asked], [false, '', 0], 'WECHATY_PUPPET set (even empty) is taken as it is, the package is not looked for');
  const twilio = { SUBAN_VOICE: 'twilio', SUBAN_SMS: 'twilio', TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 'secret' };
  t.same([cliEnv(twilio).demo(installed(true)).config().voice, cliEnv(twilio).demo(installed(true)).config().sms], ['twilio', 'twilio'], 'the demo keeps providers that are set');
  t.same([cliEnv(twilio).simulator().voice, cliEnv(twilio).simulator().sms], ['sim', 'sim'], 'suban call / wechat: always the simulator, whatever is set');
  t.equal(cliEnv({ SUBAN_PORT: '3456' }).simulator().port, 3456, 'the rest of the environment still counts');
});

