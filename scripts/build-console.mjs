// Bundles the web console (console/src) into console/dist with esbuild: no network, no CDN.
// Assets get content hashes so they can be cached for a year; index.html is rewritten to
// point at them and is served uncached.
import { build as esbuild } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CONSOLE_DIR = join(root, 'console');
export const DIST_DIR = join(CONSOLE_DIR, 'dist');

/** Builds console/dist; returns the asset file names index.html refers to. */
export async function buildConsole({ minify = true, quiet = false } = {}) {
  const started = Date.now();
  await rm(DIST_DIR, { recursive: true, force: true });
  await mkdir(join(DIST_DIR, 'assets'), { recursive: true });
  const result = await esbuild({
    absWorkingDir: root,
    entryPoints: { app: 'console/src/main.tsx', styles: 'console/styles.css' },
    outdir: join(DIST_DIR, 'assets'),
    entryNames: '[name]-[hash]',
    // Each import() is a chunk of its own (the board's map with Leaflet, the flow graph with dagre),
    // fetched when first drawn; code they share with the app goes to common chunks. ESM only.
    splitting: true,
    chunkNames: 'chunk-[hash]',
    bundle: true,
    minify,
    sourcemap: false,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    metafile: true,
    legalComments: 'none',
    logLevel: quiet ? 'silent' : 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
    // Leaflet's stylesheet names a few small images (layer and marker icons): inlined, no extra files.
    loader: { '.png': 'dataurl' },
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => relative(join(DIST_DIR, 'assets'), join(root, p)));
  const js = outputs.find((f) => /^app-.*\.js$/.test(f));
  const css = outputs.find((f) => /^styles-.*\.css$/.test(f));
  if (!js || !css) throw new Error(`console build produced no bundle: ${outputs.join(', ')}`);
  // The chunks the app imports statically are fetched at start anyway: preloaded beside it, not after it.
  const meta = (f) => result.metafile.outputs[relative(root, join(DIST_DIR, 'assets', f))];
  const atStart = meta(js).imports.filter((i) => i.kind === 'import-statement').map((i) => relative(join(DIST_DIR, 'assets'), join(root, i.path)));
  const preload = atStart.map((f) => `<link rel="modulepreload" href="/assets/${f}" />`).join('\n    ');
  const template = await readFile(join(CONSOLE_DIR, 'index.html'), 'utf8');
  const html = template.replace('%APP_JS%', `/assets/${js}`).replace('%STYLES_CSS%', `/assets/${css}`).replace('%PRELOAD%', preload);
  if (html.includes('%')) throw new Error('console/index.html has an unreplaced placeholder');
  await writeFile(join(DIST_DIR, 'index.html'), html);
  if (!quiet) {
    const kib = (files) => (files.reduce((n, f) => n + (meta(f)?.bytes ?? 0), 0) / 1024).toFixed(0);
    const later = outputs.filter((f) => f.endsWith('.js') && f !== js && !atStart.includes(f));
    console.log(`console built in ${Date.now() - started} ms: ${js} with ${atStart.length} chunks ${kib([js, ...atStart])} KiB at start, ${later.length} chunks ${kib(later)} KiB on demand, ${css} ${kib([css])} KiB`);
  }
  return { js, css };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildConsole().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
