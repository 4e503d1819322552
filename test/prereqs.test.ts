/**
 * scripts/test-prereqs.mjs: how `npm test` finds Chromium and sipp, what it says when they are
 * missing, when it installs them — against temporary PATHs, never the machine's own programs.
 */
import t, { type Test } from 'tap';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findPrereq, ROOT, run, testFiles } from '../scripts/test-prereqs.mjs';

function tmpDir(t: Test, bins: Record<string, number> = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'suban-prereqs-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, mode] of Object.entries(bins)) {
    writeFileSync(path.join(dir, name), '#!/bin/sh\nexit 0\n');
    chmodSync(path.join(dir, name), mode);
  }
  return dir;
}

t.test('a PATH without the programs: each reported missing with its package and the files it skips', async (t) => {
  const empty = tmpDir(t);
  const find = { env: { PATH: empty }, fallbacks: [] };
  const chromium = findPrereq('chromium', find);
  const sipp = findPrereq('sipp', find);
  if (chromium.found || sipp.found) return t.fail('found a program on an empty PATH');
  t.match(chromium.message, /^chromium not found: install Debian's chromium with `sudo apt-get install -y chromium` \(or set SUBAN_CHROMIUM to a chromium binary\); skipping /);
  t.match(chromium.message, 'test/console/console.test.ts');
  t.match(chromium.message, 'test/console/urgent-checks.test.ts');
  t.equal(
    sipp.message,
    "sipp not found: install Debian's sip-tester with `sudo apt-get install -y sip-tester`; skipping test/e2e/voice-sip.test.ts",
  );
  t.ok(chromium.installable && sipp.installable, 'both can be fixed by apt-get');
});

t.test('programs on PATH are found; a file that is not executable is not', async (t) => {
  const bin = tmpDir(t, { chromium: 0o755, sipp: 0o644 });
  const find = { env: { PATH: `${tmpDir(t)}${path.delimiter}${bin}` }, fallbacks: [] };
  t.same(findPrereq('chromium', find), { name: 'chromium', pkg: 'chromium', found: true, path: path.join(bin, 'chromium') });
  t.equal(findPrereq('sipp', find).found, false, 'sipp without the x bit is missing');
  const fallback = path.join(bin, 'chromium');
  t.equal(findPrereq('chromium', { env: { PATH: '' }, fallbacks: [fallback] }).found, true, 'the usual Debian path is a fallback');
});

t.test('SUBAN_CHROMIUM overrides PATH; a wrong one is reported, not replaced', async (t) => {
  const bin = tmpDir(t, { chromium: 0o755, 'my-chrome': 0o755 });
  const mine = path.join(bin, 'my-chrome');
  t.same(findPrereq('chromium', { env: { PATH: bin, SUBAN_CHROMIUM: mine } }), { name: 'chromium', pkg: 'chromium', found: true, path: mine });
  const wrong = findPrereq('chromium', { env: { PATH: bin, SUBAN_CHROMIUM: '/nonexistent/chrome' } });
  if (wrong.found) return t.fail('a missing override was accepted');
  t.match(wrong.message, /^SUBAN_CHROMIUM=\/nonexistent\/chrome is not an executable file/);
  t.equal(wrong.installable, false, 'installing chromium would not fix it');
});

t.test('run: installs only when allowed, then says one line per program still missing', async (t) => {
  const empty = tmpDir(t);
  const find = { env: { PATH: empty }, fallbacks: [] };

  const lines: string[] = [];
  const installs: string[][] = [];
  const code = run({ find, canInstall: false, install: (p) => (installs.push(p), undefined), require: false, log: (l) => lines.push(l) });
  t.equal(code, 0, 'missing programs do not fail the run: their tests skip');
  t.same(installs, [], 'not root or no apt-get: nothing installed');
  t.equal(lines.length, 3);
  t.match(lines[0], /^test prerequisites: chromium not found: .*apt-get install -y chromium/);
  t.match(lines[1], /^test prerequisites: sipp not found: .*apt-get install -y sip-tester`; skipping test\/e2e\/voice-sip\.test\.ts$/);
  t.match(lines[2], /^test prerequisites: promtool not found: .*apt-get install -y prometheus`; skipping test\/web\/metrics-docs\.test\.ts$/);

  // root with apt-get: the install "works" by putting the programs on the PATH
  const out: string[] = [];
  const code2 = run({
    find,
    canInstall: true,
    install: (pkgs) => {
      installs.push(pkgs);
      for (const name of ['chromium', 'sipp', 'promtool']) {
        writeFileSync(path.join(empty, name), '#!/bin/sh\n');
        chmodSync(path.join(empty, name), 0o755);
      }
      return undefined;
    },
    require: true,
    log: (l) => out.push(l),
  });
  t.same(installs, [['chromium', 'sip-tester', 'prometheus']], 'the Debian packages in one apt-get call');
  t.equal(code2, 0);
  t.same(out, ['test prerequisites: installing chromium, sip-tester, prometheus with apt-get …']);

  // an install that fails: its error, the missing line, and with require (CI) exit code 1
  const none = { env: { PATH: tmpDir(t) }, fallbacks: [] };
  const out3: string[] = [];
  const code3 = run({ find: none, canInstall: true, install: () => 'apt-get update -qq failed: no network', require: true, log: (l) => out3.push(l) });
  t.equal(code3, 1);
  t.match(out3, ['test prerequisites: installing chromium, sip-tester, prometheus with apt-get …', 'test prerequisites: apt-get update -qq failed: no network', /chromium not found/, /sipp not found/, /promtool not found/, /SUBAN_TEST_REQUIRE_PREREQS=1/]);
});

t.test('every test that drives Chromium or sipp is named in the message and skips with it', async (t) => {
  const all = (dir: string): string[] =>
    readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? all(`${dir}/${e.name}`) : e.name.endsWith('.test.ts') ? [`${dir}/${e.name}`] : []));
  const files = all('test').filter((f) => f !== 'test/prereqs.test.ts');
  const src = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');
  const browserTests = files.filter((f) => /from '\.\.?\/(?:console\/)?browser\.js'/.test(src(f)) && /\blaunch\(/.test(src(f)));
  const sippTests = files.filter((f) => /prereq\('sipp'\)|spawn\('sipp'/.test(src(f)));
  t.ok(browserTests.length >= 2 && sippTests.length >= 1, 'found the tests that need them');
  for (const f of browserTests) {
    t.ok(testFiles('chromium').includes(f), `${f} is named in the chromium message`);
    t.match(src(f), /skip: BROWSER\.skip/, `${f} skips when Chromium is missing: give its t.test \`{ skip: BROWSER.skip }\` (BROWSER from ./browser.js)`);
  }
  for (const f of sippTests) {
    t.ok(testFiles('sipp').includes(f), `${f} is named in the sipp message`);
    t.match(src(f), /skip: SIPP\.skip/, `${f} skips when sipp is missing: \`const SIPP = prereq('sipp')\` (test/helpers/prereqs.ts), \`{ skip: SIPP.skip }\``);
  }
  const promtoolTests = files.filter((f) => /promtool/.test(src(f)));
  t.ok(promtoolTests.length >= 1, 'found the tests that run promtool');
  for (const f of promtoolTests) {
    t.ok(testFiles('promtool').includes(f), `${f} is named in the promtool message`);
    t.match(src(f), /prereq\('promtool'\)/, `${f} finds promtool through prereq('promtool') and skips with its reason`);
  }
});
