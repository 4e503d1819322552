/**
 * The console's first load leaves out Leaflet (the board's map) and dagre (the IVR flow graph):
 * each comes in a chunk of its own, fetched when that panel is first drawn. Read from the built
 * files: what index.html loads at start (the app and the chunks it preloads) against the rest.
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST_DIR } from '../../scripts/build-console.mjs';
import { ensureConsoleBuilt } from './browser.js';

const LEAFLET = 'leafletjs.com'; // the attribution link Leaflet's code carries
const DAGRE = 'network-simplex'; // the name of dagre's default ranker

t.test('Leaflet and dagre are not in what the first page load fetches', async (t) => {
  await ensureConsoleBuilt();
  const assets = join(DIST_DIR, 'assets');
  const index = readFileSync(join(DIST_DIR, 'index.html'), 'utf8');
  const atStart = [...index.matchAll(/(?:src|href)="\/assets\/([^"]+\.js)"/g)].map((m) => m[1]!);
  const all = readdirSync(assets).filter((f) => f.endsWith('.js'));
  const later = all.filter((f) => !atStart.includes(f));
  t.ok(atStart.some((f) => f.startsWith('app-')), `the app at start (${atStart.join(', ')})`);
  const text = (f: string) => readFileSync(join(assets, f), 'utf8');
  for (const [name, mark] of [['Leaflet', LEAFLET], ['dagre', DAGRE]] as const) {
    t.same(atStart.filter((f) => text(f).includes(mark)), [], `${name} is not loaded at start`);
    t.equal(later.filter((f) => text(f).includes(mark)).length, 1, `${name} is in one chunk loaded on demand`);
  }
  const app = text(atStart.find((f) => f.startsWith('app-'))!);
  t.equal([...app.matchAll(/import\("\.\/chunk-[^"]+\.js"\)/g)].length, 2, 'the app imports the two chunks when needed');
});
