import { existsSync } from 'node:fs';

/** Whether a directory (the media root) is there: @fastify/static is registered to serve only one that is. */
export const directoryExists = (dir: string): boolean => existsSync(dir);
