/** Photos under the media root (`data/media`): `grid/` is served by /media/, `attachments/` is not. */
import { createReadStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PhotoStore } from '../../src/application/ports/photo-store.js';

export function mediaPhotoStore(mediaDir: string): PhotoStore {
  return {
    put: async (folder, name, bytes) => {
      const dir = join(mediaDir, folder);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, name), bytes, { flag: 'wx' });
    },
    open: async (folder, name) => {
      const path = join(mediaDir, folder, name);
      if (!(await stat(path).then(() => true, () => false))) return null;
      return createReadStream(path);
    },
  };
}
