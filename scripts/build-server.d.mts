export declare const SERVER_DIST_DIR: string;
/** What dist/suban-build.json holds. */
export interface ServerBuild {
  builtAt: number;
  /** the entry module, relative to dist/ */
  entry: string;
  /** every source file of the bundle, relative to dist/ */
  inputs: string[];
}
export declare function buildServer(opts?: { quiet?: boolean }): Promise<ServerBuild>;
