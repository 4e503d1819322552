/**
 * Programs some tests need that npm does not install (Chromium, sipp): found the same way as
 * `scripts/test-prereqs.mjs`, which `npm test` runs first (and which installs them as root with
 * apt-get). A test file that needs one skips with `skip` as the reason when it is missing.
 */
import { findPrereq, type PrereqName } from '../../scripts/test-prereqs.mjs';

export interface TestPrereq {
  /** the executable, when found */
  path: string | undefined;
  /** false when found; else the reason to skip: what to install and which files skip */
  skip: string | false;
}

export function prereq(name: PrereqName): TestPrereq {
  const r = findPrereq(name);
  return r.found ? { path: r.path, skip: false } : { path: undefined, skip: r.message };
}
