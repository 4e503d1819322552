/**
 * The CLI as `npm run suban|demo|start` run it: the esbuild bundle dist/suban.cjs. Tests that
 * spawn the CLI many times use it rather than `node --import tsx src/cli.ts`: tsx transforms the
 * CLI's modules again in every child (seconds each on a loaded 2-core machine, ~20 s for the
 * help test alone), the bundle loads in a fraction of that. test/bundle.test.ts checks that the
 * bundle answers like the sources.
 *
 * A bundle older than its sources would test yesterday's code, so it is rebuilt first (the way
 * test/console/browser.ts rebuilds the console): the same rule as the launcher's own check, done
 * here once per test process so that no child prints the launcher's "rebuilding" line.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServer } from '../../scripts/build-server.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DIST = join(ROOT, 'dist');
/** The launcher: pass it as the first argument to `node`. */
export const SUBAN_BUNDLE = join(DIST, 'suban.cjs');

/** The reason dist/ must be rebuilt, or null when it is current. */
export function bundleStale(): string | null {
  let build: { builtAt: number; inputs: string[] };
  try {
    build = JSON.parse(readFileSync(join(DIST, 'suban-build.json'), 'utf8'));
    statSync(SUBAN_BUNDLE);
  } catch {
    return 'no bundle (dist/suban-build.json or dist/suban.cjs missing)';
  }
  for (const f of build.inputs) {
    let m: number;
    try {
      m = statSync(join(DIST, f)).mtimeMs;
    } catch {
      return `${f} is gone`;
    }
    if (m > build.builtAt) return `${f} is newer than the bundle`;
  }
  return null;
}

let ready: Promise<string> | null = null;

/** dist/suban.cjs, rebuilt first when missing or older than a source; fails with the reason if the build does. */
export function ensureBundle(): Promise<string> {
  ready ??= (async () => {
    const why = bundleStale();
    if (why) {
      await buildServer({ quiet: true }).catch((e: unknown) => {
        throw new Error(`dist/suban.cjs could not be rebuilt (${why}): ${(e as Error).message}; run npm run build`);
      });
      const still = bundleStale();
      if (still) throw new Error(`dist/suban.cjs is still stale after a rebuild: ${still}`);
    }
    return SUBAN_BUNDLE;
  })();
  return ready;
}
