/**
 * Where FreeSWITCH writes a call recording, and the URL the console plays it from.
 *
 * A `record` on FreeSWITCH writes a file on the switch's own disk, which Suban may not be able to
 * read. Two ways to bring it over (docs/freeswitch.md, "Recordings"):
 *
 * - upload (FreeSWITCH on another host): `record http_cache://<upload URL>/<name>?exp=…&token=…`.
 *   mod_http_cache records into its local cache and, when the file is closed (before the `record`
 *   application completes), PUTs it to that URL; `PUT /freeswitch/recordings/:name` stores it under
 *   `<media>/recordings/`. mod_http_cache cannot sign a request, so the URL carries the proof: an
 *   HMAC of the name and an expiry under SUBAN_FS_RECORDING_TOKEN. Only names Suban handed out
 *   verify, any instance can check it (no shared state), and the key itself never leaves Suban.
 * - shared directory (NFS, a volume): the switch records into it by its own path for it, Suban
 *   serves the same files from its path for it.
 *
 * Either way the ticket gets `/media/recordings/<name>`, served to signed-in console users only.
 * Names are `<call uuid>-<turn>-<64 random bits>.wav`: unguessable even to someone who knows a
 * call's uuid.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../src/domain/clock.js';

/** Where recordings are played from (the console's `<audio src>`). */
export const RECORDINGS_URL_PREFIX = '/media/recordings/';
/** Path of the upload route; the upload URL's path must end with it. */
export const RECORDINGS_UPLOAD_PATH = '/freeswitch/recordings';
/** Names we hand out; anything else (`..`, slashes, other extensions) is refused. At most 96 characters (the router's limit for a path parameter is 100). */
export const RECORDING_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9-]{0,91}\.wav$/;

/** A signed upload URL stays good this long after the longest possible recording has ended. */
const UPLOAD_GRACE_SEC = 30 * 60;

export type RecordingSettings =
  | { mode: 'upload'; uploadUrl: string; secret: string }
  | { mode: 'shared'; switchDir: string };

export interface RecordingTarget {
  /** The file argument of the `record` application. */
  path: string;
  /** What the ticket and the operator's screen pop get. */
  url: string;
  name: string;
}

/** `<call uuid>-<turn>-<random>.wav`, limited to the characters RECORDING_NAME_RE allows. */
export function recordingName(callId: string, turnId: number, random: string = randomBytes(8).toString('hex')): string {
  const call = callId.replace(/[^A-Za-z0-9-]/g, '').replace(/^-+/, '').slice(0, 64) || 'call';
  return `${call}-${Math.min(999999, Math.max(0, Math.trunc(turnId)))}-${random}.wav`;
}

/** Hex HMAC-SHA256 of the name and expiry: the `token` query parameter of an upload URL. */
export function uploadSignature(secret: string, name: string, exp: number): string {
  return createHmac('sha256', secret).update(`${name}\n${exp}`).digest('hex');
}

export type UploadCheck = 'ok' | 'expired' | 'bad_signature';

/** Checks an upload URL's `exp` and `token` for `name`, in constant time. */
export function verifyUpload(secret: string, name: string, exp: unknown, token: unknown, now: Date): UploadCheck {
  if (typeof exp !== 'string' || typeof token !== 'string' || !/^\d{1,12}$/.test(exp) || !/^[0-9a-f]{64}$/.test(token)) return 'bad_signature';
  const expected = Buffer.from(uploadSignature(secret, name, Number(exp)), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(token, 'hex'))) return 'bad_signature';
  return Number(exp) * 1000 < now.getTime() ? 'expired' : 'ok';
}

/** Builds the `record` target of each recording from the configured settings. */
export class RecordingTargets {
  constructor(
    readonly settings: RecordingSettings,
    private readonly clock: Clock,
    private readonly random: () => string = () => randomBytes(8).toString('hex'),
  ) {
    if (settings.mode === 'upload' && !/^https?:\/\/[^\s?#$]+$/.test(settings.uploadUrl)) throw new Error('recording upload URL must be http(s) without query, spaces or $');
    if (settings.mode === 'shared' && !/^\/[^\s$]*$/.test(settings.switchDir)) throw new Error('shared recordings directory must be an absolute path without spaces or $');
  }

  target(callId: string, turnId: number, maxLengthSec: number): RecordingTarget {
    const name = recordingName(callId, turnId, this.random());
    const url = `${RECORDINGS_URL_PREFIX}${name}`;
    const s = this.settings;
    if (s.mode === 'shared') return { name, url, path: `${s.switchDir.replace(/\/+$/, '')}/${name}` };
    const exp = Math.floor(this.clock.now().getTime() / 1000) + Math.max(0, Math.ceil(maxLengthSec)) + UPLOAD_GRACE_SEC;
    // Sent raw in `execute-app-arg` (mod_event_socket does not url-decode it); `record` splits its
    // argument on spaces and the switch expands `${...}`: the URL has neither. mod_http_cache takes
    // the cache file's extension from the path (a `.` or `/` in the query would confuse it): the
    // query is digits, hex and `&=` only.
    return { name, url, path: `http_cache://${s.uploadUrl}/${name}?exp=${exp}&token=${uploadSignature(s.secret, name, exp)}` };
  }
}

/** The settings for the configured variables, or null when recordings stay on the switch. */
export function recordingSettings(cfg: { uploadUrl: string; token: string; switchDir: string }): RecordingSettings | null {
  if (cfg.uploadUrl) return { mode: 'upload', uploadUrl: cfg.uploadUrl.replace(/\/+$/, ''), secret: cfg.token };
  if (cfg.switchDir) return { mode: 'shared', switchDir: cfg.switchDir };
  return null;
}
