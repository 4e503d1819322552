import t from 'tap';
import { FakeClock } from '../../../src/domain/clock.js';
import { loadConfig } from '../../../src/config.js';
import { RECORDING_NAME_RE, RecordingTargets, recordingName, recordingSettings, uploadSignature, verifyUpload } from '../../../adapters/freeswitch/recordings.js';

const SECRET = 'unit-test-recording-key-0123456789abcdef';
const UUID = '3f1c2b9a-8d7e-4c6b-a5f4-0e1d2c3b4a59';

/**
 * find_extension() of mod_http_cache.c, transcribed: walking back from the end, `?`/`#` restart
 * the count, `/` or `\\` stop, the first `.` found ends the extension. The cache file it records
 * into gets this extension, and the file format (WAV) is chosen by it.
 */
function modHttpCacheExtension(url: string): string | null {
  let len = 0;
  for (let i = url.length - 1; i > 0; i--) {
    const c = url[i]!;
    if (c === '/' || c === '\\') return null;
    if (c === '?' || c === '#') len = 0;
    else if (c === '.') return len > 0 ? url.slice(i + 1, i + 1 + len) : null;
    else len++;
  }
  return null;
}

t.test('upload target: signed http_cache:// URL the switch can carry as one record argument', async (t) => {
  const clock = new FakeClock('2026-11-26T14:00:00Z');
  const targets = new RecordingTargets({ mode: 'upload', uploadUrl: 'http://suban.internal:3000/freeswitch/recordings', secret: SECRET }, clock, () => '00112233aabbccdd');
  const r = targets.target(UUID, 7, 120);
  const name = `${UUID}-7-00112233aabbccdd.wav`;
  const exp = Date.parse('2026-11-26T14:00:00Z') / 1000 + 120 + 1800;
  t.same(r, {
    name,
    url: `/media/recordings/${name}`,
    path: `http_cache://http://suban.internal:3000/freeswitch/recordings/${name}?exp=${exp}&token=${uploadSignature(SECRET, name, exp)}`,
  });
  t.match(r.name, RECORDING_NAME_RE);
  t.notMatch(r.path, /[\s$\r\n{}'"]/, 'no space (record splits on it), no $ (the switch expands ${...}), no line break (ESL header)');
  t.equal(modHttpCacheExtension(r.path.slice('http_cache://'.length)), 'wav', 'mod_http_cache records into a .wav cache file');
  t.equal(verifyUpload(SECRET, name, String(exp), uploadSignature(SECRET, name, exp), clock.now()), 'ok');
  t.equal(SECRET.length > 0 && r.path.includes(SECRET), false, 'the key is not in the URL');
});

t.test('names: unguessable, sanitised, always within the accepted pattern', async (t) => {
  const a = recordingName(UUID, 3);
  const b = recordingName(UUID, 3);
  t.not(a, b, 'a random part: knowing the call uuid is not enough');
  t.match(a, new RegExp(`^${UUID}-3-[0-9a-f]{16}\\.wav$`));
  t.equal(recordingName('../../etc/passwd x', 1, 'ff'), 'etcpasswdx-1-ff.wav');
  t.equal(recordingName('$%{}', 2, 'ff'), 'call-2-ff.wav');
  t.match(recordingName('x'.repeat(500), 999999999), RECORDING_NAME_RE);
  for (const bad of ['../x.wav', 'x.wav/..', '.x.wav', 'x.wav.txt', 'x', 'a b.wav', `${'a'.repeat(93)}.wav`]) t.notMatch(bad, RECORDING_NAME_RE, bad);
});

t.test('verifyUpload: constant-time check of name, expiry and key', async (t) => {
  const now = new Date('2026-11-26T14:00:00Z');
  const name = `${UUID}-2-0000000000000000.wav`;
  const exp = now.getTime() / 1000 + 60;
  const sig = uploadSignature(SECRET, name, exp);
  t.equal(verifyUpload(SECRET, name, String(exp), sig, now), 'ok');
  t.equal(verifyUpload(SECRET, name, String(exp - 120), uploadSignature(SECRET, name, exp - 120), now), 'expired');
  t.equal(verifyUpload(SECRET, `${UUID}-3-0000000000000000.wav`, String(exp), sig, now), 'bad_signature', 'another name');
  t.equal(verifyUpload(SECRET, name, String(exp + 3600), sig, now), 'bad_signature', 'a later expiry');
  t.equal(verifyUpload(`${SECRET}x`, name, String(exp), sig, now), 'bad_signature', 'another key');
  t.equal(verifyUpload(SECRET, name, String(exp), sig.slice(0, 62), now), 'bad_signature', 'short token');
  t.equal(verifyUpload(SECRET, name, String(exp), sig.toUpperCase(), now), 'bad_signature');
  t.equal(verifyUpload(SECRET, name, undefined, sig, now), 'bad_signature');
  t.equal(verifyUpload(SECRET, name, ['1'], sig, now), 'bad_signature', 'a repeated query parameter');
  t.equal(verifyUpload(SECRET, name, '1e9', sig, now), 'bad_signature');
});

t.test('shared directory: the switch path for the record, the /media/ URL for the console', async (t) => {
  const targets = new RecordingTargets({ mode: 'shared', switchDir: '/mnt/suban-rec/' }, new FakeClock('2026-11-26T14:00:00Z'), () => 'abcdef0123456789');
  t.same(targets.target(UUID, 4, 60), { name: `${UUID}-4-abcdef0123456789.wav`, url: `/media/recordings/${UUID}-4-abcdef0123456789.wav`, path: `/mnt/suban-rec/${UUID}-4-abcdef0123456789.wav` });
  t.throws(() => new RecordingTargets({ mode: 'shared', switchDir: 'relative/dir' }, new FakeClock('2026-11-26T14:00:00Z')));
  t.throws(() => new RecordingTargets({ mode: 'upload', uploadUrl: 'http://x/rec?y=1', secret: SECRET }, new FakeClock('2026-11-26T14:00:00Z')));
  t.throws(() => new RecordingTargets({ mode: 'upload', uploadUrl: 'http://x/${rec}', secret: SECRET }, new FakeClock('2026-11-26T14:00:00Z')));
});

t.test('configuration: one mode at a time, a real key, safe URLs and paths', async (t) => {
  const base = { SUBAN_VOICE: 'freeswitch' };
  t.equal(recordingSettings(loadConfig(base).freeswitch.recordings), null, 'nothing set: recordings stay on the switch');
  const up = loadConfig({ ...base, SUBAN_FS_RECORDING_UPLOAD_URL: 'http://suban:3000/freeswitch/recordings/', SUBAN_FS_RECORDING_TOKEN: SECRET });
  t.same(recordingSettings(up.freeswitch.recordings), { mode: 'upload', uploadUrl: 'http://suban:3000/freeswitch/recordings', secret: SECRET });
  t.equal(up.freeswitch.recordings.maxBytes, 64 * 1024 * 1024);
  const shared = loadConfig({ ...base, SUBAN_FS_RECORDINGS_DIR: '/srv/suban/rec', SUBAN_FS_RECORDINGS_SWITCH_DIR: '/var/lib/freeswitch/suban-rec' });
  t.same(recordingSettings(shared.freeswitch.recordings), { mode: 'shared', switchDir: '/var/lib/freeswitch/suban-rec' });
  t.equal(loadConfig({ ...base, SUBAN_FS_RECORDINGS_DIR: '/srv/suban/rec' }).freeswitch.recordings.switchDir, '/srv/suban/rec', 'same path on both hosts by default');
  t.throws(() => loadConfig({ ...base, SUBAN_FS_RECORDING_UPLOAD_URL: 'http://suban:3000/freeswitch/recordings' }), /SUBAN_FS_RECORDING_TOKEN/);
  t.throws(() => loadConfig({ ...base, SUBAN_FS_RECORDING_UPLOAD_URL: 'http://suban:3000/freeswitch/recordings', SUBAN_FS_RECORDING_TOKEN: 'short' }), /SUBAN_FS_RECORDING_TOKEN/);
  t.throws(() => loadConfig({ ...base, SUBAN_FS_RECORDING_UPLOAD_URL: 'http://suban:3000/freeswitch/recordings', SUBAN_FS_RECORDING_TOKEN: SECRET, SUBAN_FS_RECORDINGS_DIR: '/srv/rec' }), /set one/);
  t.throws(() => loadConfig({ ...base, SUBAN_FS_RECORDING_UPLOAD_URL: 'http://suban:3000/rec?x=1', SUBAN_FS_RECORDING_TOKEN: SECRET }), /uploadUrl/);
  t.throws(() => loadConfig({ ...base, SUBAN_FS_RECORDING_UPLOAD_URL: 'ftp://suban/rec', SUBAN_FS_RECORDING_TOKEN: SECRET }), /uploadUrl/);
  t.throws(() => loadConfig({ ...base, SUBAN_FS_RECORDINGS_DIR: 'data/rec' }), /absolute/);
  t.throws(() => loadConfig({ ...base, SUBAN_FS_RECORDINGS_DIR: '/srv/rec', SUBAN_FS_RECORDINGS_SWITCH_DIR: '/mnt/my rec' }), /absolute paths without spaces/);
});
