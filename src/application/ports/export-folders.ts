/**
 * The directories outside platforms' export files are dropped into (附件2 poll sources: an SFTP
 * sync, a manual download); adapters/files/export-folders.ts keeps them on the local disk.
 */
export interface ExportFolders {
  /** False when the directory is not there: an office turns polling on by creating it. */
  exists(dir: string): boolean;
  /** The names of the files in `dir` (no dotfiles, no directories) that match `pattern`, sorted. */
  list(dir: string, pattern: RegExp): Promise<string[]>;
  size(dir: string, name: string): Promise<number>;
  read(dir: string, name: string): Promise<Buffer>;
  /** Moves a file into `dir/sub/` (processed, rejected), making that directory when needed. */
  moveTo(dir: string, sub: string, name: string): Promise<void>;
}
