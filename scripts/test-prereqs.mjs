#!/usr/bin/env node
/**
 * The programs some tests drive that npm does not install: Debian's Chromium (the console tests,
 * through playwright-core), sipp (the SIP-level voice test, Debian package sip-tester) and promtool
 * (the example Prometheus alert rules, Debian package prometheus).
 *
 * `npm test` runs this before tap. A missing program is installed when we run as root with apt-get
 * (as .ci/run does); otherwise one line per missing package says what to install and which test
 * files will be skipped for it. The tests ask the same functions (test/helpers/prereqs.ts) and skip
 * with that line as the reason. Exits 0 unless SUBAN_TEST_REQUIRE_PREREQS=1 (CI) and something is
 * still missing.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** @type {Record<'chromium' | 'sipp' | 'promtool', { pkg: string; command: string; fallbacks: string[]; envVar?: string; tests: string[] }>} */
export const PREREQS = {
  chromium: { pkg: 'chromium', command: 'chromium', fallbacks: ['/usr/bin/chromium'], envVar: 'SUBAN_CHROMIUM', tests: ['test/console/*.test.ts'] },
  sipp: { pkg: 'sip-tester', command: 'sipp', fallbacks: ['/usr/bin/sipp'], tests: ['test/e2e/voice-sip.test.ts'] },
  // Prometheus's rule checker, for the example alert rules in docs/.
  promtool: { pkg: 'prometheus', command: 'promtool', fallbacks: ['/usr/bin/promtool'], tests: ['test/web/metrics-docs.test.ts'] },
};

function isExecutable(file) {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `command` on `pathVar` (a PATH string), or undefined. */
export function which(command, pathVar = process.env.PATH ?? '') {
  for (const dir of pathVar.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, command);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

/** The test files a prerequisite's patterns name (a `*.test.ts` pattern is expanded in its directory). */
export function testFiles(name, root = ROOT) {
  const files = [];
  for (const pattern of PREREQS[name].tests) {
    const base = path.basename(pattern);
    if (!base.includes('*')) {
      files.push(pattern);
      continue;
    }
    const dir = path.dirname(pattern);
    const suffix = base.slice(base.indexOf('*') + 1);
    let names = [];
    try {
      names = readdirSync(path.join(root, dir));
    } catch {
      /* no such directory: nothing needs it */
    }
    for (const n of names.filter((n) => n.endsWith(suffix)).sort()) files.push(`${dir}/${n}`);
  }
  return files;
}

/**
 * Where a prerequisite is: its override variable when set (it must be executable), else the
 * command on PATH, else its usual Debian path. `found: false` carries the one-line message;
 * `installable: false` when a bad override, not a missing package, is the cause.
 *
 * @param {'chromium' | 'sipp' | 'promtool'} name
 * @param {{ env?: NodeJS.ProcessEnv; fallbacks?: string[]; root?: string }} [opts]
 * @returns {{ name: string; pkg: string; found: true; path: string } | { name: string; pkg: string; found: false; installable: boolean; message: string; tests: string[] }}
 */
export function findPrereq(name, opts = {}) {
  const p = PREREQS[name];
  const env = opts.env ?? process.env;
  const override = p.envVar ? env[p.envVar] : undefined;
  if (override) {
    if (isExecutable(override)) return { name, pkg: p.pkg, found: true, path: override };
    const tests = testFiles(name, opts.root);
    return { name, pkg: p.pkg, found: false, installable: false, tests, message: `${p.envVar}=${override} is not an executable file; point it at a Chromium binary or unset it to use Debian's \`apt-get install -y ${p.pkg}\` (skipping ${tests.join(', ')})` };
  }
  const onPath = which(p.command, env.PATH ?? '') ?? (opts.fallbacks ?? p.fallbacks).find(isExecutable);
  if (onPath) return { name, pkg: p.pkg, found: true, path: onPath };
  const tests = testFiles(name, opts.root);
  const alt = p.envVar ? ` (or set ${p.envVar} to a ${p.command} binary)` : '';
  return { name, pkg: p.pkg, found: false, installable: true, tests, message: `${p.command} not found: install Debian's ${p.pkg} with \`sudo apt-get install -y ${p.pkg}\`${alt}; skipping ${tests.join(', ')}` };
}

export function findAll(opts) {
  return Object.keys(PREREQS).map((n) => findPrereq(/** @type {'chromium' | 'sipp' | 'promtool'} */ (n), opts));
}

/** Installs Debian packages quietly; returns an error text or undefined. */
function aptInstall(pkgs) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', ...pkgs]]) {
    const r = spawnSync('apt-get', args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error || r.status !== 0) return `apt-get ${args.join(' ')} failed: ${(r.error?.message ?? r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`;
  }
  return undefined;
}

/**
 * Finds the prerequisites, installs the missing ones when `canInstall`, prints one line per one
 * still missing; returns the exit code (1 only when `require` and something is missing).
 *
 * @param {{ find?: { env?: NodeJS.ProcessEnv; fallbacks?: string[]; root?: string }; canInstall: boolean; install: (pkgs: string[]) => string | undefined; require: boolean; log: (line: string) => void }} o
 */
export function run(o) {
  let missing = findAll(o.find).filter((r) => !r.found);
  const pkgs = missing.filter((m) => m.installable).map((m) => m.pkg);
  if (pkgs.length > 0 && o.canInstall) {
    o.log(`test prerequisites: installing ${pkgs.join(', ')} with apt-get …`);
    const error = o.install(pkgs);
    if (error) o.log(`test prerequisites: ${error}`);
    missing = findAll(o.find).filter((r) => !r.found);
  }
  for (const m of missing) o.log(`test prerequisites: ${m.message}`);
  if (missing.length > 0 && o.require) {
    o.log('test prerequisites: SUBAN_TEST_REQUIRE_PREREQS=1, so a missing program is an error');
    return 1;
  }
  return 0;
}

function main() {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  process.exitCode = run({
    canInstall: isRoot && which('apt-get') !== undefined && process.env.SUBAN_TEST_NO_INSTALL !== '1',
    install: aptInstall,
    require: process.env.SUBAN_TEST_REQUIRE_PREREQS === '1',
    log: (line) => console.log(line),
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
