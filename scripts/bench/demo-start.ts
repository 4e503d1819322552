/**
 * How long `npm run demo` takes to start: process start → /healthz 200 and → the console URL printed,
 * each run on a fresh database. Baseline, measured in the same run: a bare `node -e` Fastify server
 * from process start to its first 200 (what starting Node and Fastify costs on this machine right now).
 *
 *   npx tsx scripts/bench/demo-start.ts            # BENCH_RUNS=5 per variant
 *   BENCH_VARIANTS=baseline,npm,node,tsx BENCH_RUNS=3 npx tsx scripts/bench/demo-start.ts
 *   BENCH_BEFORE=/tmp/old-checkout npx tsx scripts/bench/demo-start.ts   # adds that checkout's demo script
 *
 * Variants: baseline; npm = `npm run demo` itself; node = the command the demo script runs, without
 * npm; tsx = the demo from source through tsx (how `npm run demo` ran before the bundle).
 * The demo keeps its data in ./data of its working directory, so every run gets a fresh temporary
 * directory holding symlinks to the checkout's package.json, node_modules, dist, config and ivr-flows:
 * a fresh checkout as far as the demo can tell, and the checkout's own ./data is never touched.
 * Runs of the variants are interleaved so that a burst of load on the machine hits all of them.
 * Run `npm run build` first (the npm/node variants start dist/ and would rebuild a stale one).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine } from './harness.js';
import { freePort } from '../../test/helpers/proc.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 60_000);
const LINKED = ['package.json', 'node_modules', 'dist', 'config', 'ivr-flows', 'src', 'adapters', 'scripts', 'console'];

const BASELINE = `import('fastify').then(async ({ default: Fastify }) => {
  const app = Fastify();
  app.get('/healthz', async () => ({ ok: true }));
  await app.listen({ host: '127.0.0.1', port: Number(process.env.SUBAN_PORT) });
  console.log('console: http://127.0.0.1:' + process.env.SUBAN_PORT + '/');
});`;

interface Variant {
  name: string;
  label: string;
  cmd: string;
  args: string[];
  /** The checkout whose files the run directory links to (default this one). */
  root?: string;
}

/** A checkout's `demo` script as a command for this node, without npm in between (`node …` or `tsx …`). */
function demoCommand(root: string): { script: string; args: string[] } {
  const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.demo;
  const [bin, ...rest] = script.split(/\s+/);
  if (bin === 'node') return { script, args: rest };
  if (bin === 'tsx') return { script, args: ['--import', 'tsx', ...rest] };
  throw new Error(`${root}/package.json scripts.demo starts with neither node nor tsx: ${script}`);
}
const demo = demoCommand(ROOT);
const npm = process.env.npm_execpath ? { cmd: process.execPath, pre: [process.env.npm_execpath] } : { cmd: 'npm', pre: [] };
const VARIANTS: Variant[] = [
  { name: 'baseline', label: 'bare Fastify via `node -e` (baseline)', cmd: process.execPath, args: ['--input-type=module', '-e', BASELINE] },
  { name: 'npm', label: '`npm run demo`', cmd: npm.cmd, args: [...npm.pre, 'run', 'demo'] },
  { name: 'node', label: `\`${demo.script}\` (what the script runs, without npm)`, cmd: process.execPath, args: demo.args },
  { name: 'tsx', label: '`tsx src/cli.ts demo` (these sources, run as before the bundle)', cmd: process.execPath, args: ['--import', 'tsx', 'src/cli.ts', 'demo'] },
];
// Another checkout with its node_modules (e.g. `git archive` of an earlier commit): its demo script, without npm.
if (process.env.BENCH_BEFORE) {
  const root = resolve(process.env.BENCH_BEFORE);
  const before = demoCommand(root);
  VARIANTS.push({ name: 'before', label: `\`${before.script}\` in ${root}`, cmd: process.execPath, args: before.args, root });
}

interface Run {
  healthz: number;
  url: number;
  /** The launcher found sources newer than dist/ (someone edited meanwhile) and rebuilt first. */
  rebuilt: boolean;
  /** The service's own "ms since the process began" (npm's start-up not included). */
  selfReported: number | null;
}


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function once(v: Variant): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'suban-demo-start-'));
  for (const f of LINKED) if (existsSync(join(v.root ?? ROOT, f))) symlinkSync(join(v.root ?? ROOT, f), join(dir, f));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, SUBAN_PORT: String(port), SUBAN_HOST: '127.0.0.1', SUBAN_PUBLIC_URL: `http://127.0.0.1:${port}`, SUBAN_LOG_LEVEL: 'warn' };
  for (const k of Object.keys(env)) if (k.startsWith('npm_') || k.startsWith('TAP')) delete env[k];
  const started = performance.now();
  // Its own process group, so the stop reaches npm's child too.
  const child = spawn(v.cmd, v.args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  let url = 0;
  let selfReported: number | null = null;
  let exited = false;
  const exit = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true;
      r();
    }),
  );
  child.stdout!.on('data', (b: Buffer) => {
    out += b.toString();
    if (!url && /console: http/.test(out)) url = performance.now() - started;
    const m = /(\d+) ms since the process began/.exec(out);
    if (m && selfReported === null) selfReported = Number(m[1]);
  });
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  let healthz = 0;
  try {
    while (!healthz) {
      if (exited) throw new Error(`${v.name} exited before answering /healthz:\n${out.slice(-3000)}`);
      if (performance.now() - started > TIMEOUT_MS) throw new Error(`${v.name}: no /healthz 200 within ${TIMEOUT_MS} ms:\n${out.slice(-3000)}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) healthz = performance.now() - started;
      else await sleep(20);
    }
    while (!url && !exited && performance.now() - started < TIMEOUT_MS) await sleep(10);
    if (!url) throw new Error(`${v.name}: answered /healthz but never printed the console URL:\n${out.slice(-3000)}`);
    return { healthz, url, selfReported, rebuilt: out.includes('正在重新构建') };
  } finally {
    if (!exited) {
      process.kill(-child.pid!, 'SIGTERM');
      const killed = setTimeout(() => !exited && process.kill(-child.pid!, 'SIGKILL'), 15_000);
      await exit;
      clearTimeout(killed);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// Built once up front, so that no run pays for a rebuild (unless sources change during the bench).
const built = spawnSync(process.execPath, ['scripts/build-server.mjs'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
if (built.status !== 0) throw new Error('npm run build failed');

const wanted = (process.env.BENCH_VARIANTS ?? 'baseline,npm,node,tsx,before').split(',');
const variants = VARIANTS.filter((v) => wanted.includes(v.name));
if (!variants.some((v) => v.name === 'baseline')) variants.unshift(VARIANTS[0]);
const results = new Map<string, Run[]>(variants.map((v) => [v.name, []]));
for (let i = 0; i < RUNS; i++) {
  for (const v of variants) {
    const r = await once(v);
    results.get(v.name)!.push(r);
    process.stderr.write(`run ${i + 1}/${RUNS} ${v.name}: /healthz ${r.healthz.toFixed(0)} ms, URL ${r.url.toFixed(0)} ms${r.rebuilt ? ' (rebuilt dist/ first)' : ''}\n`);
  }
}

const base = median(results.get('baseline')!.map((r) => r.healthz));
const ms = (x: number) => x.toFixed(0);
console.log(`machine: ${machine()}; ${RUNS} runs per variant, interleaved; load average at the end ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log('');
console.log('| command | /healthz 200, median ms | min–max ms | URL printed, median ms | self-reported ms since process start | ratio to baseline |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const v of variants) {
  const rs = results.get(v.name)!;
  const h = rs.map((r) => r.healthz);
  const self = rs.map((r) => r.selfReported).filter((x): x is number => x !== null);
  const rebuilt = rs.filter((r) => r.rebuilt).length;
  console.log(`| ${v.label}${rebuilt ? ` (${rebuilt} run(s) rebuilt dist/ first: sources changed during the bench)` : ''} | ${ms(median(h))} | ${ms(Math.min(...h))}–${ms(Math.max(...h))} | ${ms(median(rs.map((r) => r.url)))} | ${self.length ? ms(median(self)) : '–'} | ${(median(h) / base).toFixed(2)} |`);
}
