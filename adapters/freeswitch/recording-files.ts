/**
 * The recordings FreeSWITCH uploads (src/web/routes/freeswitch-recordings.ts), on the local disk
 * under `<media>/recordings/`: written to a dotted `.part` file, fsynced, then linked to its name,
 * so a reader never sees half a recording and a stored one is never replaced.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { link, open, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { AppError, invalid } from '../../src/domain/errors.js';
import type { RecordingFiles } from '../../src/web/routes/freeswitch-recordings.js';

export const localRecordingFiles: RecordingFiles = {
  exists: (dir) => existsSync(dir),
  prepare: async (dir, now) => {
    mkdirSync(dir, { recursive: true });
    return sweepPartialUploads(dir, now);
  },
  store: async (dir, name, body, maxBytes) => {
    const tmp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.part`);
    const final = join(dir, name);
    let written: { bytes: number; sha256: string };
    try {
      written = await receive(body, tmp, maxBytes);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    try {
      // link() never replaces: of two racing uploads one wins, and a recording once stored is
      // evidence that a later request cannot overwrite.
      await link(tmp, final);
      await syncDir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const existing = await fileDigest(final);
      if (existing.bytes === written.bytes && existing.sha256 === written.sha256) return { bytes: written.bytes, duplicate: true };
      throw new AppError('conflict', 'recording_exists', '该录音已存在，内容不同，不予覆盖');
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    return { bytes: written.bytes, duplicate: false };
  },
};

/** A partial upload this old belongs to a process that died mid-upload (uploads take seconds). */
const PARTIAL_UPLOAD_MAX_AGE_MS = 60 * 60 * 1000;

/**
 * Removes `.part` files that a process killed mid-upload left behind. Only old ones: another
 * instance sharing the directory may be receiving one right now.
 */
export async function sweepPartialUploads(dir: string, now: Date): Promise<number> {
  let removed = 0;
  for (const f of await readdir(dir).catch(() => [] as string[])) {
    if (!f.startsWith('.') || !f.endsWith('.part')) continue;
    const path = join(dir, f);
    const s = await stat(path).catch(() => null);
    if (!s || now.getTime() - s.mtimeMs < PARTIAL_UPLOAD_MAX_AGE_MS) continue;
    if (await unlink(path).then(() => true, () => false)) removed++;
  }
  return removed;
}

/** Streams the body into a new file, fsynced; refuses more than maxBytes and anything but RIFF/WAVE. */
async function receive(body: Readable, path: string, maxBytes: number): Promise<{ bytes: number; sha256: string }> {
  const fh = await open(path, 'wx', 0o640);
  const hash = createHash('sha256');
  let bytes = 0;
  let head = Buffer.alloc(0);
  try {
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        if (bytes > maxBytes) throw new AppError('too_large', 'recording_too_large', `录音超过 ${Math.floor(maxBytes / 1024 / 1024)} MiB`);
        if (head.length < 12) {
          head = Buffer.concat([head, chunk.subarray(0, 12 - head.length)]);
          if (head.length === 12 && !isWav(head)) throw invalid('not_wav', '内容不是 WAV 录音');
        }
        hash.update(chunk);
        await fh.write(chunk);
      }
    } catch (err) {
      if (err instanceof AppError) throw err;
      // The switch went away mid-upload: nothing is kept; mod_http_cache logs the failure.
      throw invalid('upload_incomplete', '录音上传中断');
    }
    if (head.length < 12 || !isWav(head)) throw invalid('not_wav', '内容不是 WAV 录音');
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { bytes, sha256: hash.digest('hex') };
}

const isWav = (h: Buffer) => h.toString('latin1', 0, 4) === 'RIFF' && h.toString('latin1', 8, 12) === 'WAVE';

async function fileDigest(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { bytes: (await stat(path)).size, sha256: hash.digest('hex') };
}

/** The new name survives a power cut, not only the bytes. */
async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r').catch(() => null);
  if (!d) return;
  try {
    await d.sync();
  } catch {
    // some filesystems refuse fsync on a directory; the file itself is synced
  } finally {
    await d.close();
  }
}
