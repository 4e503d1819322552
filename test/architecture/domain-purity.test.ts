/**
 * The README's rule, checked: src/domain is pure TypeScript. It reads no files and knows nothing
 * of HTTP, SQL, providers or jieba; those live in adapters/ and reach the domain through ports
 * (the Segmenter of domain/routing/segmenter.ts) or as already-read text and data.
 */
import { readFileSync } from 'node:fs';
import { sourceFiles } from '../helpers/source-files.js';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DOMAIN = join(ROOT, 'src', 'domain');

/** Node modules that touch the outside world (files, processes, network, threads, the host). */
const IO_BUILTINS = new Set(['fs', 'fs/promises', 'path', 'child_process', 'net', 'http', 'https', 'http2', 'dgram', 'worker_threads', 'os', 'readline']);
/** Packages of the web, the databases, the providers and the word segmenter. */
const OUTSIDE_PACKAGES = [/^fastify$/, /^@fastify\//, /^drizzle-orm(\/|$)/, /^better-sqlite3$/, /^pg$/, /^@node-rs\/jieba(\/|$)/, /^pinyin-pro(\/|$)/, /^twilio(\/|$)/, /^wechaty/, /^modesl$/, /^prom-client$/, /^pino(\/|$)/, /^ws$/];
/** Folders of the repository the domain must not reach into. */
const OUTSIDE_FOLDERS = ['adapters', 'src/web', 'src/application', 'src/composition', 'src/cli', 'src/cli.ts', 'src/server.ts', 'src/config.ts'];
/** Source tokens that mean "read something from where this process runs". */
const IO_TOKENS = [/\bimport\.meta\b/, /\bprocess\.(env|cwd|argv)\b/, /\brequire\s*\(/];

/** What is wrong with one domain file: its forbidden imports and I/O tokens. */
function impurities(file: string, text: string): string[] {
  const found: string[] = [];
  // preProcessFile sees static imports, re-exports and dynamic import() alike, also over several lines.
  for (const { fileName: spec } of ts.preProcessFile(text, true, true).importedFiles) {
    const bare = spec.replace(/^node:/, '');
    if (IO_BUILTINS.has(bare) || IO_BUILTINS.has(bare.split('/')[0])) found.push(`imports ${spec}`);
    else if (OUTSIDE_PACKAGES.some((p) => p.test(spec))) found.push(`imports ${spec}`);
    else if (spec.startsWith('.')) {
      const target = relative(ROOT, resolve(dirname(file), spec)).split(sep).join('/');
      if (!target.startsWith('src/domain/') || OUTSIDE_FOLDERS.some((f) => target === f || target.startsWith(`${f}/`))) found.push(`imports ${spec} (${target})`);
    }
  }
  for (const token of IO_TOKENS) if (token.test(text)) found.push(`uses ${token.source}`);
  return found;
}

t.test('the check finds what it looks for', async (t) => {
  const f = join(DOMAIN, 'routing', 'example.ts');
  t.same(impurities(f, "import { readFileSync } from 'node:fs';"), ['imports node:fs']);
  t.same(impurities(f, "import { join } from 'path';"), ['imports path']);
  t.same(impurities(f, "import {\n  Jieba,\n} from '@node-rs/jieba';"), ['imports @node-rs/jieba']);
  t.same(impurities(f, "import { dict } from '@node-rs/jieba/dict.js';"), ['imports @node-rs/jieba/dict.js']);
  t.same(impurities(f, "import { pinyin } from 'pinyin-pro';"), ['imports pinyin-pro'], 'syllables come through the Phonetics port');
  t.same(impurities(f, "import type { FastifyInstance } from 'fastify';"), ['imports fastify']);
  t.same(impurities(f, "import { sql } from 'drizzle-orm';"), ['imports drizzle-orm']);
  t.same(impurities(f, "export { x } from '../../../adapters/jieba/segmenter.js';"), ['imports ../../../adapters/jieba/segmenter.js (adapters/jieba/segmenter.js)']);
  t.same(impurities(f, "const m = await import('../../web/app.js');"), ['imports ../../web/app.js (src/web/app.js)']);
  t.same(impurities(f, "import { loadConfig } from '../../config.js';"), ['imports ../../config.js (src/config.js)']);
  t.same(impurities(f, "const here = new URL('../../../config/duty-list.yaml', import.meta.url);"), ['uses \\bimport\\.meta\\b']);
  t.same(impurities(f, "const p = process.env.SUBAN_DUTY_LIST;"), ['uses \\bprocess\\.(env|cwd|argv)\\b']);
  t.same(impurities(f, "import { normalizeText } from './normalize.js';\nimport { invalid } from '../errors.js';\nimport { parse } from 'yaml';\nimport { createHash } from 'node:crypto';"), [], 'pure imports pass');
});

t.test('src/domain reads no files and imports no adapter, web, database or jieba code', async (t) => {
  const files = sourceFiles(DOMAIN);
  t.ok(files.length > 50, `${files.length} domain files checked`);
  const problems = files.flatMap((f) => impurities(f, readFileSync(f, 'utf8')).map((p) => `${relative(ROOT, f)}: ${p}`));
  t.same(problems, [], 'a domain module that needs outside data takes it as text or data, or through a port (see README, Architecture)');
});
