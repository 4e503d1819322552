import t from 'tap';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envPrefix } from '../../../src/application/platforms/config.js';
import { loadPlatforms } from '../../../adapters/fs-config/platforms.js';
import { AppError } from '../../../src/domain/errors.js';

// The directory: member units and the managing departments that review (市委办 for 民声通道).
const directory = JSON.parse(readFileSync('config/units.json', 'utf8')) as { units: string[]; departments?: string[] };
const units = new Set([...directory.units, ...(directory.departments ?? [])]);
const channels = (JSON.parse(readFileSync('config/channels.json', 'utf8')) as { channels: { no: number; name: string; kind: string; manager: string }[] }).channels;

t.test('all 14 platforms of 附件2 are configured, with the kind and manager of channels.json', async (t) => {
  const m = loadPlatforms({ env: { SUBAN_PLATFORM_MINSHENG_SECRET: 's3cret' }, units });
  t.equal(m.size, 14);
  for (const c of channels) {
    const p = [...m.values()].find((x) => x.name === c.name);
    t.ok(p, `${c.name} has a mapping file`);
    t.equal(p!.kind, c.kind, `${c.name} kind`);
    t.equal(p!.manager, c.manager);
    t.equal(p!.no, c.no);
    if (c.kind === 'interconnect') {
      t.equal(p!.reply, null, `${c.name}: the original platform replies, so no reply target`);
      t.ok(p!.managerUnit && units.has(p!.managerUnit), `${c.name}: the mirror has a unit of our directory`);
    } else t.match(p!.reply?.url, /^https:\/\//, `${c.name} has a reply endpoint`);
  }
  t.equal(m.get('minsheng')!.secret, 's3cret', 'the secret comes from the environment variable the file names');
  t.equal(m.get('wenzheng-gz')!.secret, null, 'no variable, no secret');
  t.equal(envPrefix('hotline-12315'), 'SUBAN_PLATFORM_HOTLINE_12315');
  t.ok([...m.values()].some((p) => p.poll?.format === 'csv') && [...m.values()].some((p) => p.poll?.format === 'xlsx') && [...m.values()].some((p) => p.poll?.format === 'json'));
});

t.test('environment overrides the reply URL and the poll directory', async (t) => {
  const m = loadPlatforms({ env: { SUBAN_PLATFORM_WENZHENG_GZ_REPLY_URL: 'http://127.0.0.1:9/x', SUBAN_PLATFORM_HOTLINE_12333_POLL_DIR: '/tmp/in' } });
  t.equal(m.get('wenzheng-gz')!.reply!.url, 'http://127.0.0.1:9/x');
  t.equal(m.get('hotline-12333')!.poll!.dir, '/tmp/in');
  t.equal(m.get('hotline-12333')!.poll!.encoding, 'gbk');
});

t.test('every problem of the files is reported at once, naming the file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'platforms-'));
  for (const f of readdirSync('config/platforms')) copyFileSync(join('config/platforms', f), join(dir, f));
  writeFileSync(join(dir, 'hotline-12315.yaml'), readFileSync(join(dir, 'hotline-12315.yaml'), 'utf8').replace('  caseId: complaintNo\n', '').replace('  投诉: 投诉\n', '  投诉: 抱怨\n'));
  writeFileSync(join(dir, 'minsheng.yaml'), readFileSync(join(dir, 'minsheng.yaml'), 'utf8').replace(/reply:[\s\S]*$/, ''));
  writeFileSync(join(dir, 'wenzheng-gz.yaml'), 'name: [broken');
  const err = t.throws(() => loadPlatforms({ dir, env: {} })) as unknown as AppError;
  t.ok(err instanceof AppError);
  const problems = err.details!.problems as string[];
  t.ok(problems.some((p) => p.includes('hotline-12315.yaml') && p.includes('fields.caseId is required')), 'missing case id field');
  t.ok(problems.some((p) => p.includes('hotline-12315.yaml') && p.includes('抱怨')), 'a category that is not ours');
  t.ok(problems.some((p) => p.includes('minsheng.yaml') && p.includes('needs reply.url')), 'merged-review without a reply target');
  t.ok(problems.some((p) => p.includes('wenzheng-gz.yaml') && p.includes('not valid YAML')));
  t.ok(problems.some((p) => p.includes('no mapping file') && p.includes('问政赣州')), 'a platform left without a file');
});
