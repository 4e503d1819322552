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
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { Config } from '../../config.js';
import type { Clock } from '../../domain/clock.js';
import { AppError, invalid } from '../../domain/errors.js';
import { RECORDING_NAME_RE, RECORDINGS_UPLOAD_PATH, RECORDINGS_URL_PREFIX, verifyUpload, type RecordingSettings } from '../../../adapters/freeswitch/recordings.js';

/** What mod_http_cache sends for `.wav` (FreeSWITCH's mime.types), plus the two other names for it. */
const WAV_TYPES = new Set(['audio/x-wav', 'audio/wav', 'application/octet-stream']);

/** Where uploaded recordings are kept (adapters/freeswitch/recording-files.ts: a local directory). */
export interface RecordingFiles {
  exists(dir: string): boolean;
  /** Makes the directory; removes partial uploads an earlier process left. Returns how many. */
  prepare(dir: string, now: Date): Promise<number>;
  /**
   * Stores a WAV body under `name`, at most `maxBytes`; never replaces a stored recording (the
   * same bytes again: `duplicate`; other bytes: a conflict). Throws AppErrors the route answers.
   */
  store(dir: string, name: string, body: Readable, maxBytes: number): Promise<{ bytes: number; duplicate: boolean }>;
}

export interface FreeSwitchRecordingsOptions {
  config: Config['freeswitch']['recordings'];
  files: RecordingFiles;
  /** The settings and where recordings are stored (upload mode: `<media>/recordings`), as the composition root resolved them. */
  recordings: { settings: RecordingSettings | null; storeDir: string } | null;
  clock: Clock;
}

/**
 * Files under `prefix` for signed-in users only (any role): citizens' recordings, images and
 * voice are personal data. Names are unguessable, so a unit user reaches only what a ticket it
 * may read links to. Never cached by shared caches; dotfiles (uploads in progress) are not there.
 */
export function privateMedia(o: { root: string; prefix: string; exclude?: string[]; exists: (dir: string) => boolean }) {
  const excluded = (path: string) => (o.exclude ?? []).some((d) => path.replace(/^\/+/, '').split('/')[0]!.toLowerCase() === d);
  return async (app: FastifyInstance) => {
    app.addHook('onRequest', app.requireAuth());
    await app.register(fastifyStatic, {
      root: o.root,
      prefix: o.prefix,
      decorateReply: false,
      serve: o.exists(o.root),
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
      if (!o.files.exists(storeDir)) app.log.error({ dir: storeDir }, 'SUBAN_FS_RECORDINGS_DIR does not exist: recordings cannot be played');
      await app.register(privateMedia({ root: storeDir, prefix: RECORDINGS_URL_PREFIX, exists: o.files.exists }));
      return;
    }
    const swept = await o.files.prepare(storeDir, o.clock.now());
    if (swept) app.log.warn({ dir: storeDir, removed: swept }, 'removed partial recording uploads left by an earlier process');
    await app.register(uploadRoute({ dir: storeDir, secret: settings.secret, maxBytes: o.config.maxBytes, clock: o.clock, files: o.files }));
  };
}

function uploadRoute(o: { dir: string; secret: string; maxBytes: number; clock: Clock; files: RecordingFiles }) {
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

        let written: { bytes: number; duplicate: boolean };
        try {
          written = await o.files.store(o.dir, name, body, o.maxBytes);
        } catch (err) {
          if (err instanceof AppError && err.kind === 'too_large') reply.header('connection', 'close');
          throw err;
        }
        if (written.duplicate) return reply.status(200).send({ name, bytes: written.bytes, url: `${RECORDINGS_URL_PREFIX}${name}`, duplicate: true });
        req.log.info({ recording: name, bytes: written.bytes }, 'FreeSWITCH recording stored');
        return reply.status(201).send({ name, bytes: written.bytes, url: `${RECORDINGS_URL_PREFIX}${name}` });
      },
    );
  };
}
