/**
 * FreeSWITCH recordings, made reachable from the console (docs/freeswitch.md, "Recordings").
 *
 * - Upload mode (SUBAN_FS_RECORDING_UPLOAD_URL + SUBAN_FS_RECORDING_TOKEN, FreeSWITCH on another
 *   host): mod_http_cache PUTs each finished recording to `PUT /freeswitch/recordings/:name`.
 *   It cannot sign requests, so the URL it was given carries an HMAC of the name and an expiry
 *   (adapters/freeswitch/recordings.ts); the file lands atomically in `<media>/recordings/` and
 *   is played at `/media/recordings/<name>` by the app's private /media/ files.
 * - Shared-directory mode (SUBAN_FS_RECORDINGS_DIR): FreeSWITCH records into a directory Suban
 *   also mounts; `/media/recordings/` serves that directory, to signed-in users only.
 *
 * Registered only with SUBAN_VOICE=freeswitch: the upload route is a write endpoint reachable
 * without a session, and it should not exist where nothing will ever call it.
 *
 * The composition root (src/composition/voice.ts) builds both ends of the signed URLs from one
 * RecordingTargets: the provider's record targets and, here, the receiving end.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { link, open, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { Config } from '../../config.js';
import type { Clock } from '../../domain/clock.js';
import { AppError, invalid } from '../../domain/errors.js';
import { RECORDING_NAME_RE, RECORDINGS_UPLOAD_PATH, RECORDINGS_URL_PREFIX, verifyUpload, type RecordingSettings } from '../../../adapters/freeswitch/recordings.js';

/** What mod_http_cache sends for `.wav` (FreeSWITCH's mime.types), plus the two other names for it. */
const WAV_TYPES = new Set(['audio/x-wav', 'audio/wav', 'application/octet-stream']);

export interface FreeSwitchRecordingsOptions {
  config: Config['freeswitch']['recordings'];
  /** The settings and where recordings are stored (upload mode: `<media>/recordings`), as the composition root resolved them. */
  recordings: { settings: RecordingSettings | null; storeDir: string } | null;
  clock: Clock;
}

/**
 * Files under `prefix` for signed-in users only (any role): citizens' recordings, images and
 * voice are personal data. Names are unguessable, so a unit user reaches only what a ticket it
 * may read links to. Never cached by shared caches; dotfiles (uploads in progress) are not there.
 */
export function privateMedia(o: { root: string; prefix: string; exclude?: string[] }) {
  const excluded = (path: string) => (o.exclude ?? []).some((d) => path.replace(/^\/+/, '').split('/')[0]!.toLowerCase() === d);
  return async (app: FastifyInstance) => {
    app.addHook('onRequest', app.requireAuth());
    await app.register(fastifyStatic, {
      root: o.root,
      prefix: o.prefix,
      decorateReply: false,
      serve: existsSync(o.root),
      dotfiles: 'ignore',
      // a directory kept by its own route (ticket photos): not a file here
      ...(o.exclude?.length ? { allowedPath: (path: string) => !excluded(path) } : {}),
      cacheControl: false,
      setHeaders: (reply) => reply.header('cache-control', 'private, no-cache'),
    });
  };
}

export function freeswitchRecordings(o: FreeSwitchRecordingsOptions) {
  return async (app: FastifyInstance) => {
    const settings = o.recordings?.settings ?? null;
    const storeDir = o.recordings?.storeDir ?? o.config.dir;
    if (!settings) {
      app.log.warn({}, 'FreeSWITCH recordings stay on the switch, the console cannot play them: set SUBAN_FS_RECORDING_UPLOAD_URL and SUBAN_FS_RECORDING_TOKEN, or SUBAN_FS_RECORDINGS_DIR');
      return;
    }
    if (settings.mode === 'shared') {
      if (!existsSync(storeDir)) app.log.error({ dir: storeDir }, 'SUBAN_FS_RECORDINGS_DIR does not exist: recordings cannot be played');
      await app.register(privateMedia({ root: storeDir, prefix: RECORDINGS_URL_PREFIX }));
      return;
    }
    mkdirSync(storeDir, { recursive: true });
    const swept = await sweepPartialUploads(storeDir, o.clock.now());
    if (swept) app.log.warn({ dir: storeDir, removed: swept }, 'removed partial recording uploads left by an earlier process');
    await app.register(uploadRoute({ dir: storeDir, secret: settings.secret, maxBytes: o.config.maxBytes, clock: o.clock }));
  };
}

function uploadRoute(o: { dir: string; secret: string; maxBytes: number; clock: Clock }) {
  return async (app: FastifyInstance) => {
    // The body is streamed to disk, whatever its declared type: the type is judged after the
    // signature, so a stranger learns nothing but 403.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

    // A wildcard, not `:name`: whatever follows (slashes, 300 characters) reaches the name check
    // below and gets our 400, rather than the router's own 404/414.
    app.put<{ Params: { '*': string }; Querystring: Record<string, unknown> }>(
      `${RECORDINGS_UPLOAD_PATH}/*`,
      { schema: { operationId: 'uploadRecording', security: [], tags: ['freeswitch'], summary: 'mod_http_cache uploads a finished recording here (signed URL from the record target)' } },
      async (req, reply) => {
        const name = req.params['*'];
        if (!RECORDING_NAME_RE.test(name)) throw invalid('invalid_recording_name', '录音文件名无效');
        const check = verifyUpload(o.secret, name, req.query.exp, req.query.token, o.clock.now());
        if (check !== 'ok') {
          req.log.warn({ recording: name, reason: check }, 'FreeSWITCH recording upload refused');
          throw new AppError('forbidden', check === 'expired' ? 'upload_expired' : 'bad_upload_token', check === 'expired' ? '上传地址已过期' : '上传令牌无效');
        }
        const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (!WAV_TYPES.has(type)) return reply.status(415).send({ error: { code: 'unsupported_media_type', message: '录音须为 WAV（audio/wav、audio/x-wav 或 application/octet-stream）' } });
        const declared = Number(req.headers['content-length'] ?? NaN);
        if (declared > o.maxBytes) {
          reply.header('connection', 'close');
          throw new AppError('too_large', 'recording_too_large', `录音超过 ${Math.floor(o.maxBytes / 1024 / 1024)} MiB`);
        }
        const body = req.body as Readable | undefined;
        if (!body || typeof body.on !== 'function') throw invalid('empty_body', '缺少录音内容');

        const tmp = join(o.dir, `.${name}.${randomBytes(6).toString('hex')}.part`);
        const final = join(o.dir, name);
        let written: { bytes: number; sha256: string };
        try {
          written = await receive(body, tmp, o.maxBytes);
        } catch (err) {
          await unlink(tmp).catch(() => undefined);
          if (err instanceof AppError && err.kind === 'too_large') reply.header('connection', 'close');
          throw err;
        }
        try {
          // link() never replaces: of two racing uploads one wins, and a recording once stored is
          // evidence that a later request cannot overwrite.
          await link(tmp, final);
          await syncDir(o.dir);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          const existing = await fileDigest(final);
          if (existing.bytes === written.bytes && existing.sha256 === written.sha256) {
            return reply.status(200).send({ name, bytes: written.bytes, url: `${RECORDINGS_URL_PREFIX}${name}`, duplicate: true });
          }
          throw new AppError('conflict', 'recording_exists', '该录音已存在，内容不同，不予覆盖');
        } finally {
          await unlink(tmp).catch(() => undefined);
        }
        req.log.info({ recording: name, bytes: written.bytes }, 'FreeSWITCH recording stored');
        return reply.status(201).send({ name, bytes: written.bytes, url: `${RECORDINGS_URL_PREFIX}${name}` });
      },
    );
  };
}

/** A partial upload this old belongs to a process that died mid-upload (uploads take seconds). */
const PARTIAL_UPLOAD_MAX_AGE_MS = 60 * 60 * 1000;

/**
 * Removes `.part` files that a process killed mid-upload left behind. Only old ones: another
 * instance sharing the directory may be receiving one right now.
 */
async function sweepPartialUploads(dir: string, now: Date): Promise<number> {
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
