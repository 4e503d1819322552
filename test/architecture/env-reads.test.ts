/**
 * The environment is read in one place, src/config.ts (the settings in CONFIG_DOCS, and what the
 * `suban` commands read in `cliEnv`): every other file of the service gets its settings handed in.
 * scripts/ (benchmarks, build) and test/ read their own variables and are not checked.
 */
import { readFileSync } from 'node:fs';
import { sourceFiles } from '../helpers/source-files.js';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const THE_READER = 'src/config.ts';
/** `process.env`, also written `process['env']` or taken apart (`const { env } = process`). */
const READS_ENV = /\bprocess\s*(\.\s*env\b|\[\s*['"`]env['"`]\s*\])|\{[^}]*\benv\b[^}]*\}\s*=\s*process\b/;

t.test('the check finds what it looks for', async (t) => {
  for (const text of ['const x = process.env.SUBAN_PORT;', "const x = process['env'].A;", 'const { env } = process;', 'const { argv, env: e } = process;']) t.ok(READS_ENV.test(text), text);
  for (const text of ['const env = cliEnv();', 'loadConfig({ ...env, SUBAN_VOICE: "sim" })', 'process.exitCode = 1;']) t.notOk(READS_ENV.test(text), text);
});

t.test('only src/config.ts reads the environment (src/, adapters/)', async (t) => {
  const files = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'adapters'))];
  t.ok(files.length > 100, `${files.length} files checked`);
  const readers = files.map((f) => relative(ROOT, f).split(sep).join('/')).filter((f) => f !== THE_READER && READS_ENV.test(readFileSync(join(ROOT, f), 'utf8')));
  t.same(readers, [], 'files that read process.env: route the setting through src/config.ts');
  t.ok(READS_ENV.test(readFileSync(join(ROOT, THE_READER), 'utf8')), 'src/config.ts itself does');
});
