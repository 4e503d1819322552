import type { Readable } from 'node:stream';

/**
 * Where uploaded photos are kept (adapters/files/photo-store.ts: under the media root). `grid`
 * photos are served by /media/grid/; `attachments` (ticket photos) only through their route.
 */
export interface PhotoStore {
  /** Stores a new photo; never replaces one of the same name. */
  put(folder: PhotoFolder, name: string, bytes: Buffer): Promise<void>;
  /** A stored photo's bytes, or null when it is not there. */
  open(folder: PhotoFolder, name: string): Promise<Readable | null>;
}

export type PhotoFolder = 'grid' | 'attachments';
