/**
 * `npm run demo`/`serve` run the esbuild bundle (dist/, built by `prepare`), not the sources the
 * other tests import: the bundle must find its data files and answer like the sources do.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { bundleStale, ensureBundle } from './helpers/bundle.js';

const run = (args: string[], input?: string) => {
  const r = spawnSync(process.execPath, ['dist/suban.cjs', ...args], { input, encoding: 'utf8', timeout: 60_000, env: { ...process.env, SUBAN_LOG_LEVEL: 'warn' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

t.test('the bundle exists after npm ci (prepare)', async (t) => {
  t.ok(existsSync('dist/suban.cjs'), 'dist/suban.cjs');
});

t.test('the bundle runs the CLI itself (not one of its lazy chunks): --help answers', async (t) => {
  const r = run(['user', 'add', '--help']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /user add <name> --role/);
});

t.test('flows check from the bundle finds ivr-flows and passes', async (t) => {
  const r = run(['flows', 'check']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /hotline/);
});

t.test('classify from the bundle loads the duty list and the routing examples', async (t) => {
  const r = run(['classify'], '{"id":"a","text":"象湖镇红都大道路灯不亮"}\n{"id":"b","text":"闻到很浓的煤气味"}\nnot json\n');
  t.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
  t.match(lines[0], { id: 'a', unit: '市城管局', township: '象湖镇' });
  t.match(lines[1], { id: 'b', urgent: true });
  t.match(lines[2], { id: null, error: String });
});

t.test('config --markdown from the bundle is the README table', async (t) => {
  const r = run(['config', '--markdown']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /\| `DATABASE_URL` \|/);
});

t.test('migrate from the bundle finds the migrations folder', async (t) => {
  const dir = t.testdir({});
  const r = spawnSync(process.execPath, ['dist/suban.cjs', 'migrate'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, SUBAN_LOG_LEVEL: 'warn', DATABASE_URL: `sqlite:${dir}/m.db` } });
  t.equal(r.status, 0, r.stderr);
  t.ok(existsSync(`${dir}/m.db`), 'the database was created and migrated');
});

t.test('the tests that spawn the bundle run a current one: ensureBundle leaves nothing for the launcher to rebuild', async (t) => {
  await ensureBundle();
  t.equal(bundleStale(), null, 'no source is newer than dist/suban-build.json');
  const r = run(['--help']);
  t.equal(r.code, 0, r.err);
  t.equal(r.err, '', 'the launcher did not rebuild (it says so on stderr when it does)');
});
