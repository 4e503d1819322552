import t from 'tap';
import { readFileSync } from 'node:fs';
import { configMarkdown, loadConfig } from '../src/config.js';

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
