export declare const CONSOLE_DIR: string;
export declare const DIST_DIR: string;
/** Builds console/dist; returns the asset file names index.html refers to. */
export declare function buildConsole(opts?: { minify?: boolean; quiet?: boolean }): Promise<{ js: string; css: string }>;
