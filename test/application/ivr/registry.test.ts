import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync, unlinkSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowRegistry, type FlowLoadReport } from '../../../src/application/ivr/registry.js';
import { flowDirectory } from '../../../adapters/fs-config/flow-files.js';

const GOOD_V1 = `start: hello\nsteps:\n  hello:\n    say: 第一版\n  bye:\n    hangup: done\n`;
const GOOD_V2 = `start: hello\nsteps:\n  hello:\n    say: 第二版\n  bye:\n    hangup: done\n`;
const BROKEN = `start: hello\nsteps:\n  hello:\n    say: 第三版\n    next: nowhere\n  bye:\n    hangup: done\n`;

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ivr-flows-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const sayText = (r: FlowRegistry, name: string) => (r.get(name)?.def.steps.get('hello') as { text?: string } | undefined)?.text;

t.test('a broken reload keeps the last good version and reports the error', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'main.yaml'), GOOD_V1);
  const reports: FlowLoadReport[] = [];
  const r = new FlowRegistry(flowDirectory(dir), { onReport: (x) => reports.push(x) });
  t.match(r.load(), { loaded: ['main'], errors: [] });
  t.equal(sayText(r, 'main'), '第一版');
  const v1 = r.get('main');

  writeFileSync(join(dir, 'main.yaml'), BROKEN);
  const broken = r.load();
  t.same(broken.keptLastGood, ['main']);
  t.same(broken.errors.map((e) => `${e.file}:${e.line} ${e.step}`), ['main.yaml:5 hello']);
  t.equal(r.get('main'), v1, 'the same compiled flow is still served');
  t.equal(r.errors().length, 1);

  writeFileSync(join(dir, 'main.yaml'), GOOD_V2);
  t.match(r.load(), { loaded: ['main'], errors: [] });
  t.equal(sayText(r, 'main'), '第二版');
  t.same(r.errors(), []);
  t.equal(reports.length, 3);
});

t.test('an unchanged file is not recompiled; a file broken from the start is not served', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'main.yaml'), GOOD_V1);
  writeFileSync(join(dir, 'bad.yml'), BROKEN);
  writeFileSync(join(dir, 'notes.txt'), 'not a flow');
  const r = new FlowRegistry(flowDirectory(dir));
  const first = r.load();
  t.same(first.loaded, ['main']);
  t.same(first.failed, ['bad']);
  t.equal(r.get('bad'), undefined);
  const main = r.get('main');
  t.same(r.load().loaded, []);
  t.equal(r.get('main'), main);
  t.same(r.names(), ['main']);
});

t.test('a deleted file stops being served; an unreadable directory keeps what is loaded', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a.yaml'), GOOD_V1);
  writeFileSync(join(dir, 'b.yaml'), GOOD_V1);
  const r = new FlowRegistry(flowDirectory(dir));
  r.load();
  unlinkSync(join(dir, 'b.yaml'));
  t.same(r.load().removed, ['b']);
  t.same(r.names(), ['a']);

  const gone = new FlowRegistry(flowDirectory(join(dir, 'missing')));
  t.doesNotThrow(() => gone.load());
  t.match(gone.errors()[0].message, /cannot read flow directory/);

  if (process.getuid?.() !== 0) {
    chmodSync(dir, 0o000);
    t.teardown(() => chmodSync(dir, 0o700));
    const report = r.load();
    t.match(report.errors[0].message, /cannot read flow directory/);
    t.same(r.names(), ['a'], 'flows in use stay');
  }
});

t.test('watch reloads after a change', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'main.yaml'), GOOD_V1);
  const r = new FlowRegistry(flowDirectory(dir));
  r.load();
  const stop = r.watch(20);
  t.teardown(stop);
  writeFileSync(join(dir, 'main.yaml'), GOOD_V2);
  for (let i = 0; i < 100 && sayText(r, 'main') !== '第二版'; i++) await new Promise((res) => setTimeout(res, 20));
  t.equal(sayText(r, 'main'), '第二版');
});
