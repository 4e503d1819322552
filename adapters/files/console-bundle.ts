/** The built web console (console/dist, `npm run build`): its hashed assets and index.html. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConsoleBundle } from '../../src/web/routes/console.js';

export const CONSOLE_DIST = fileURLToPath(new URL('../../console/dist/', import.meta.url));

export function consoleBundle(dist: string = CONSOLE_DIST): ConsoleBundle {
  const assets = join(dist, 'assets');
  const indexPath = join(dist, 'index.html');
  return {
    dist,
    assetsDir: existsSync(assets) ? assets : null,
    index: () => (existsSync(indexPath) ? readFileSync(indexPath, 'utf8') : null),
  };
}
