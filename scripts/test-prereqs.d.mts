export type PrereqName = 'chromium' | 'sipp' | 'promtool';
export declare const ROOT: string;
export declare const PREREQS: Record<PrereqName, { pkg: string; command: string; fallbacks: string[]; envVar?: string; tests: string[] }>;
export type Prereq =
  | { name: string; pkg: string; found: true; path: string }
  | { name: string; pkg: string; found: false; installable: boolean; message: string; tests: string[] };
export declare function which(command: string, pathVar?: string): string | undefined;
export declare function testFiles(name: PrereqName, root?: string): string[];
/** Where a prerequisite is, or the one-line message saying what to install and which tests skip. */
export declare function findPrereq(name: PrereqName, opts?: { env?: NodeJS.ProcessEnv; fallbacks?: string[]; root?: string }): Prereq;
export declare function findAll(opts?: { env?: NodeJS.ProcessEnv; fallbacks?: string[]; root?: string }): Prereq[];
/** Finds, installs when allowed, prints one line per missing program; returns the exit code. */
export declare function run(o: {
  find?: { env?: NodeJS.ProcessEnv; fallbacks?: string[]; root?: string };
  canInstall: boolean;
  install: (pkgs: string[]) => string | undefined;
  require: boolean;
  log: (line: string) => void;
}): number;
