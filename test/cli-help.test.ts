/**
 * `suban --help` and `suban <command> --help` / `-h`: the usage on stdout and exit 0, without
 * reading the configuration's database or starting anything (`serve --help` must not serve: the
 * database here is a path that cannot be opened, and a started server would never exit).
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { ensureBundle } from './helpers/bundle.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const env = { ...process.env, DATABASE_URL: 'sqlite:/nonexistent/suban-help/never.db', SUBAN_PORT: '1', SUBAN_LOG_LEVEL: 'silent' };
// The bundle, as `npm run suban` runs it: twenty children through tsx cost ~20 s here.
const bundle = await ensureBundle();
const suban = (...args: string[]) =>
  new Promise<Run>((resolve) => {
    const child = execFile(process.execPath, [bundle, ...args], { env, timeout: 60_000 }, (_err, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }));
  });

t.test('suban --help / -h: the general usage, exit 0', async (t) => {
  for (const flag of ['--help', '-h']) {
    const r = await suban(flag);
    t.equal(r.code, 0, `${flag}: exit 0`);
    t.match(r.stdout, /^用法 usage: suban <command>/, `${flag}: the usage on stdout`);
    for (const cmd of ['serve', 'user add <name>', 'classify', 'flows check', 'call --from']) t.match(r.stdout, cmd, `${flag}: lists ${cmd}`);
  }
});

t.test('every command answers --help and -h with its own usage, exit 0', async (t) => {
  const cases: [string[], RegExp, RegExp | null][] = [
    [['serve', '--help'], /^\s+serve\s+start the service/m, /demo|user add/],
    [['demo', '-h'], /^\s+demo\s+migrate, seed demo data/m, /user add/],
    [['migrate', '--help'], /apply database migrations/, /user add/],
    [['seed', '-h'], /seed \[--demo\]/, /user add/],
    [['user', '--help'], /user add <name> --role[\s\S]*user unlock <name>/, /serve/],
    [['user', 'add', '--help'], /user add <name> --role <operator\|unit\|supervisor\|admin\|grid\|media>/, /user unlock/],
    [['user', 'reset-password', '-h'], /user reset-password <name>/, /user add/],
    [['classify', '--help'], /classify \[--model <m>\]/, /train/],
    [['train', '-h'], /train --in <file> --out <model.json>/, /eval --in/],
    [['eval', '--in', 'x.csv', '--help'], /eval --in <file>/, /train --in/],
    [['open311', 'add-client', '-h'], /open311 add-client <name>/, /serve/],
    [['unit', 'contacts', '--help'], /unit contacts <unit> \[--head/, /duty coverage/],
    [['duty', 'coverage', '-h'], /duty coverage \[--days n\]/, /unit contacts/],
    [['config', '--help'], /config --markdown/, /SUBAN_PORT/],
    [['flows', 'check', '--help'], /flows check \[--dir <dir>\]/, /error at|ok/],
    // (call's own usage names --server: the guard is the serve command's line)
    [['call', '--from', '13800000000', '-h'], /call --from <number>/, /^\s+serve\s/m],
    [['wechat', '--help'], /wechat --say <text>/, /^\s+serve\s/m],
  ];
  const runs = await Promise.all(cases.map(([args]) => suban(...args)));
  cases.forEach(([args, shows, not], i) => {
    const r = runs[i]!;
    const name = `suban ${args.join(' ')}`;
    t.equal(r.code, 0, `${name}: exit 0${r.code === 0 ? '' : ` (stderr: ${r.stderr.slice(0, 300)})`}`);
    t.match(r.stdout, /^用法 usage: suban\n/, `${name}: a usage`);
    t.match(r.stdout, shows, `${name}: its own usage`);
    if (not) t.notMatch(r.stdout, not, `${name}: only its own`);
    t.equal(r.stderr, '', `${name}: nothing on stderr`);
  });
});

t.test('--help as an option value or after -- is not a request for help', async (t) => {
  const r = await suban('nosuch', '--help');
  t.equal(r.code, 2, 'an unknown command is still a usage error');
  t.match(r.stderr, /用法 usage: suban <command>/);
  const value = await suban('user', 'add', 'zhou', '--password', '-h');
  t.not(value.code, 0, '`--password -h` is not help: the command runs (and fails here on the database)');
  t.notMatch(value.stdout, /用法 usage/);
});
