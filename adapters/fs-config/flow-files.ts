/** The IVR flow files of a directory (SUBAN_FLOWS_DIR, by default ivr-flows/). */
import { readdirSync, readFileSync, statSync, watch as watchDir } from 'node:fs';
import { join } from 'node:path';
import type { FlowFiles } from '../../src/application/ports/flow-files.js';
import { FLOW_FILE_RE } from '../../src/application/ivr/validate.js';

export function flowDirectory(dir: string): FlowFiles {
  return {
    where: dir,
    list: () =>
      readdirSync(dir)
        .filter((f) => FLOW_FILE_RE.test(f) && isFile(join(dir, f)))
        .sort(),
    read: (file) => readFileSync(join(dir, file), 'utf8'),
    watch: (onChange) => {
      const watcher = watchDir(dir, onChange);
      watcher.on('error', () => undefined);
      return () => watcher.close();
    },
  };
}

// A directory that happens to be called x.yaml is not a flow; one that vanished since the listing
// is read (and reported) like any other file.
function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return true;
  }
}
