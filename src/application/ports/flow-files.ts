/**
 * Where the IVR flows are kept (ivr-flows/*.yaml). The registry and `suban flows check` read them
 * through this port; adapters/fs-config/flow-files.ts keeps them in a directory.
 */
export interface FlowFiles {
  /** where the files are, as errors about the place as a whole name it */
  readonly where: string;
  /** The flow files' names (`*.yaml`, `*.yml`), sorted. Throws when the place cannot be read. */
  list(): string[];
  /** One file's text. Throws when it cannot be read. */
  read(file: string): string;
  /** Calls `onChange` when files change; returns what stops it. Throws when it cannot watch. */
  watch(onChange: () => void): () => void;
}
