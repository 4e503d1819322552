/** Export drop directories on the local disk (or a mounted share). */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportFolders } from '../../src/application/ports/export-folders.js';

export const localExportFolders: ExportFolders = {
  exists: (dir) => existsSync(dir),
  list: async (dir, pattern) =>
    (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.startsWith('.') && pattern.test(e.name))
      .map((e) => e.name)
      .sort(),
  size: async (dir, name) => (await stat(join(dir, name))).size,
  read: (dir, name) => readFile(join(dir, name)),
  moveTo: async (dir, sub, name) => {
    await mkdir(join(dir, sub), { recursive: true });
    await rename(join(dir, name), join(dir, sub, name));
  },
};
