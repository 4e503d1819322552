/**
 * The README's rule, checked: application services and the web layer read and write no files.
 * Files (config/, ivr-flows/, the demo data, export drops, photos, recordings, the console
 * bundle) are reached through ports or data that adapters/ read, handed in by the composition
 * root, the CLI or the app builder.
 */
import { readFileSync } from 'node:fs';
import { sourceFiles } from '../helpers/source-files.js';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CHECKED = ['src/application', 'src/web'];
/**
 * Files that may still import node:fs, each with the reason it must. Empty: a file added here
 * needs a reason a port cannot serve (say, a download streamed straight from disk).
 */
const ALLOWED: Record<string, string> = {};

/** The file-system modules a file imports (static, dynamic or re-exported). */
function fsImports(text: string): string[] {
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((i) => i.fileName)
    .filter((spec) => /^(node:)?fs(\/promises)?$/.test(spec));
}

t.test('the check finds what it looks for', async (t) => {
  t.same(fsImports("import { readFileSync } from 'node:fs';"), ['node:fs']);
  t.same(fsImports("import { readFile } from 'fs/promises';"), ['fs/promises']);
  t.same(fsImports("import {\n  createReadStream,\n} from 'fs';"), ['fs']);
  t.same(fsImports("const { stat } = await import('node:fs/promises');"), ['node:fs/promises']);
  t.same(fsImports("export { existsSync } from 'node:fs';"), ['node:fs']);
  t.same(fsImports("import { join } from 'node:path';\nimport { flowDirectory } from '../../adapters/fs-config/flow-files.js';"), []);
});

t.test('no file under src/application or src/web imports node:fs', async (t) => {
  const files = CHECKED.flatMap((d) => sourceFiles(join(ROOT, d))).map((f) => relative(ROOT, f).split(sep).join('/'));
  t.ok(files.length > 100, `${files.length} files checked`);
  const offenders = files.filter((f) => !(f in ALLOWED) && fsImports(readFileSync(join(ROOT, f), 'utf8')).length > 0);
  t.same(offenders, [], 'files that import node:fs: read through an adapter (adapters/) and hand in the data or a port');
  for (const f of Object.keys(ALLOWED)) t.ok(fsImports(readFileSync(join(ROOT, f), 'utf8')).length > 0, `${f} is allowed and still needs it (else take it off the list)`);
});
