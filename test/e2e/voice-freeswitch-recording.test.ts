import t from 'tap';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testApp, type TestApp } from '../helpers/app.js';
import { FakeFreeSwitch, fakeWav } from '../fakes/fake-freeswitch.js';
import type { FreeSwitchVoiceProvider } from '../../adapters/freeswitch/voice.js';
import { uploadSignature } from '../../adapters/freeswitch/recordings.js';

/**
 * FreeSWITCH recordings reach the console: mod_http_cache's PUT (emulated by the fake switch,
 * over real HTTP) into the upload route, or a directory shared with the switch; the ticket's
 * recording URL then plays for signed-in users only.
 */

const AFTER_HOURS = '2026-11-26T14:00:00Z';
const SECRET = 'test-recording-key-7f3a9c2e4b1d8a6f0e5c';

const scratch = mkdtempSync(join(tmpdir(), 'suban-fs-rec-'));
t.teardown(() => rmSync(scratch, { recursive: true, force: true }));

/** The address the switch is told to upload to exists before the app's port is known: a forwarder in front. */
async function front(): Promise<{ port: number; target(port: number): void }> {
  let appPort = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((c) => {
    const u = net.connect(appPort, '127.0.0.1');
    for (const s of [c, u]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    c.pipe(u).pipe(c);
    c.on('close', () => u.destroy());
    u.on('close', () => c.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { port: (server.address() as net.AddressInfo).port, target: (p) => (appPort = p) };
}

async function fsApp(env: Record<string, string>, mediaDir: string): Promise<{ h: TestApp; fs: FakeFreeSwitch; provider: FreeSwitchVoiceProvider; port: number }> {
  const fs = new FakeFreeSwitch();
  await fs.listen();
  t.teardown(() => fs.close());
  const h = await testApp(t, {
    now: AFTER_HOURS,
    env: { SUBAN_VOICE: 'freeswitch', SUBAN_FS_HOST: '127.0.0.1', SUBAN_FS_PORT: String(fs.port), SUBAN_FS_PASSWORD: 'ClueCon', SUBAN_FS_OUTBOUND_PORT: '0', ...env },
    app: { mediaDir },
  });
  const provider = h.ctx.calls.activeProvider as FreeSwitchVoiceProvider;
  await provider.esl.connect();
  return { h, fs, provider, port: provider.listening!.port };
}

const uploadMedia = join(scratch, 'media');
mkdirSync(uploadMedia);
const fwd = await front();
const up = await fsApp(
  { SUBAN_FS_RECORDING_UPLOAD_URL: `http://127.0.0.1:${fwd.port}/freeswitch/recordings`, SUBAN_FS_RECORDING_TOKEN: SECRET, SUBAN_FS_RECORDING_MAX_MB: '2' },
  uploadMedia,
);
await up.h.app.listen({ port: 0, host: '127.0.0.1' });
fwd.target((up.h.app.server.address() as net.AddressInfo).port);
const recDir = join(uploadMedia, 'recordings');

const get = (h: TestApp, url: string, who: keyof TestApp['tokens'] | null, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'GET', url, headers: { ...headers, ...(who ? { authorization: `Bearer ${h.tokens[who]}` } : {}) } });
const put = (url: string, body: Buffer | string, type = 'audio/x-wav', headers: Record<string, string> = {}) =>
  up.h.app.inject({ method: 'PUT', url, headers: { 'content-type': type, ...headers }, payload: body });
const nowSec = () => Math.floor(up.h.clock.now().getTime() / 1000);
const signed = (name: string, exp = nowSec() + 600, secret = SECRET) => `/freeswitch/recordings/${name}?exp=${exp}&token=${uploadSignature(secret, name, exp)}`;
const stored = () => readdirSync(recDir).sort();

t.test('a call through hotline.yaml: the switch uploads the recording, the ticket plays it for signed-in users', async (t) => {
  // 70 s of 8 kHz audio is over 1 MiB: libcurl sends Expect: 100-continue, as it would on the switch.
  const tr = await up.fs.placeCall(up.port, { callerNumber: '13900000021', digits: ['2'], recordMs: 70_000 });
  await up.provider.settled();

  t.equal(tr.recordings.length, 1);
  const rec = tr.recordings[0]!;
  const m = new RegExp(`^http_cache://http://127\\.0\\.0\\.1:${fwd.port}/freeswitch/recordings/(${tr.uuid}-\\d+-[0-9a-f]{16}\\.wav)\\?exp=(\\d+)&token=([0-9a-f]{64})$`).exec(rec.target);
  t.ok(m, `record target is a signed http_cache:// upload URL: ${rec.target.replace(/token=\w+/, 'token=…')}`);
  const name = m![1]!;
  const recordArg = tr.executes.find((e) => e.app === 'record')!.arg;
  t.equal(recordArg.split(' ')[0], rec.target, 'the target is one argument of record (no spaces)');
  t.notMatch(recordArg, /\$/, 'nothing for the switch to expand');
  t.match(rec.upload, { status: 201, headers: { 'Content-Type': 'audio/x-wav', 'User-Agent': 'freeswitch-http-cache/1.0', Expect: '100-continue' } });
  t.same(readFileSync(join(recDir, name)), rec.wav, 'stored byte for byte');
  t.same(stored().filter((f) => f.startsWith('.')), [], 'no partial files left');

  const ticket = (await up.h.ctx.ticketStore.list({ contact: '13900000021' }, { limit: 5 })).items[0]!;
  t.match(ticket, { channel: 'phone', externalRef: tr.uuid });
  t.same(ticket.attachments.map((a) => [a.kind, a.url]), [['recording', `/media/recordings/${name}`]]);
  const url = ticket.attachments[0]!.url;

  const asOperator = await get(up.h, url, 'operator');
  t.equal(asOperator.statusCode, 200);
  t.match(asOperator.headers['content-type'], /^audio\/(x-)?wav/);
  t.equal(asOperator.headers['cache-control'], 'private, no-cache');
  t.same(asOperator.rawPayload, rec.wav, 'the console gets the WAV the switch recorded');
  const part = await get(up.h, url, 'operator', { range: 'bytes=0-43' });
  t.equal(part.statusCode, 206, 'ranges work (the <audio> element seeks)');
  t.same(part.rawPayload, rec.wav.subarray(0, 44));

  const anonymous = await get(up.h, url, null);
  t.equal(anonymous.statusCode, 401);
  t.match(anonymous.json(), { error: { code: 'unauthenticated' } });
  // The simple rule: any signed-in user; a unit user only learns an (unguessable) name from a ticket it may read.
  for (const who of ['supervisor', 'admin', 'unitA', 'unitB'] as const) t.equal((await get(up.h, url, who)).statusCode, 200, who);
  t.equal((await up.h.app.inject({ method: 'GET', url, headers: { authorization: 'Bearer not-a-token' } })).statusCode, 401);
  t.equal((await get(up.h, `/media/recordings/${tr.uuid}-9-0000000000000000.wav`, 'operator')).statusCode, 404);

  t.notOk(up.h.logs.text.includes(SECRET), 'the key is never logged');
  t.notOk(up.h.logs.text.includes(m![3]!), 'nor the upload URL token');
  t.match(up.h.logs.text, /FreeSWITCH recording stored/);
  t.notMatch(up.h.logs.text, /did not arrive/);
});

t.test('the switch cannot reach Suban: the call goes on, the ticket keeps the URL, the log says the upload is missing', async (t) => {
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const deadPort = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  fwd.target(deadPort);
  t.teardown(() => fwd.target((up.h.app.server.address() as net.AddressInfo).port));
  const tr = await up.fs.placeCall(up.port, { callerNumber: '13900000023', digits: ['2'], recordMs: 3000 });
  await up.provider.settled();
  t.equal(tr.recordings[0]!.upload!.status, null, 'the PUT failed');
  const ticket = (await up.h.ctx.ticketStore.list({ contact: '13900000023' }, { limit: 5 })).items[0]!;
  t.match(ticket.attachments, [{ kind: 'recording', url: /^\/media\/recordings\/.+\.wav$/ }]);
  t.match(up.h.logs.text, /FreeSWITCH recording upload did not arrive/);
  t.equal(tr.hungUpBy, 'server', 'the flow finished normally');
});

t.test('uploads without a valid signature are refused and nothing is stored', async (t) => {
  const name = `${randomUUID()}-3-0123456789abcdef.wav`;
  const wav = fakeWav(500);
  const before = stored();
  const exp = nowSec() + 600;
  const cases: [string, string][] = [
    ['no token', `/freeswitch/recordings/${name}`],
    ['no expiry', `/freeswitch/recordings/${name}?token=${uploadSignature(SECRET, name, exp)}`],
    ['another key', signed(name, exp, 'someone-else-key-0123456789abcdef0123')],
    ['signed for another name', `/freeswitch/recordings/${name}?exp=${exp}&token=${uploadSignature(SECRET, `x${name}`, exp)}`],
    ['expiry moved', `/freeswitch/recordings/${name}?exp=${exp + 1}&token=${uploadSignature(SECRET, name, exp)}`],
    ['token not hex', `/freeswitch/recordings/${name}?exp=${exp}&token=${'z'.repeat(64)}`],
  ];
  for (const [what, url] of cases) {
    const r = await put(url, wav);
    t.equal(r.statusCode, 403, what);
    t.match(r.json(), { error: { code: 'bad_upload_token' } }, what);
  }
  const expired = await put(signed(name, nowSec() - 1), wav);
  t.equal(expired.statusCode, 403);
  t.match(expired.json(), { error: { code: 'upload_expired' } });
  t.same(stored(), before, 'nothing stored, no partial files');
  t.notOk(up.h.logs.text.includes(uploadSignature(SECRET, name, exp)), 'tokens are not logged');
});

t.test('names other than ours are refused before anything else: 400', async (t) => {
  for (const bad of ['..%2F..%2Fetc%2Fpasswd', '..%2Fx.wav', '..%5Cx.wav', 'a/b.wav', '.hidden.wav', 'x.wav%00.txt', 'x.mp3', 'x.WAV', 'a%20b.wav', '-x.wav', `${'a'.repeat(94)}.wav`, `${'a'.repeat(300)}.wav`]) {
    const r = await put(`/freeswitch/recordings/${bad}?exp=1&token=${'0'.repeat(64)}`, fakeWav(10));
    t.equal(r.statusCode, 400, bad);
    // A NUL is refused by the one check at the edge (issue 19), before the route looks at the name.
    t.match(r.json(), { error: { code: bad.includes('%00') ? 'invalid_text' : 'invalid_recording_name' } }, bad);
  }
  // `..` itself is resolved away by the router (it names /freeswitch): still a 4xx, still nothing written.
  t.equal((await put(`/freeswitch/recordings/%2E%2E?exp=1&token=${'0'.repeat(64)}`, fakeWav(10))).statusCode, 404);
  t.notOk(existsSync(join(uploadMedia, 'x.wav')));
  t.notOk(existsSync(join(scratch, 'x.wav')));
});

t.test('bad bodies: type, size, not a WAV (4xx, never 5xx)', async (t) => {
  const name = `${randomUUID()}-4-00000000000000ff.wav`;
  const before = stored();
  const wrongType = await put(signed(name), fakeWav(100), 'text/plain');
  t.equal(wrongType.statusCode, 415);
  t.match(wrongType.json(), { error: { code: 'unsupported_media_type' } });
  const json = await put(signed(name), '{"a":1}', 'application/json');
  t.equal(json.statusCode, 415);
  const big = await put(signed(name), fakeWav(140_000)); // 2.2 MB, over SUBAN_FS_RECORDING_MAX_MB=2
  t.equal(big.statusCode, 413);
  t.match(big.json(), { error: { code: 'recording_too_large' } });
  const chunked = await up.h.app.inject({ method: 'PUT', url: signed(name), headers: { 'content-type': 'audio/wav', 'transfer-encoding': 'chunked' }, payload: fakeWav(140_000) });
  t.equal(chunked.statusCode, 413, 'counted while streaming too, whatever the headers said');
  const notWav = await put(signed(name), Buffer.from('#!/bin/sh\necho this is not audio\n'), 'application/octet-stream');
  t.equal(notWav.statusCode, 400);
  t.match(notWav.json(), { error: { code: 'not_wav' } });
  const empty = await put(signed(name), Buffer.alloc(0));
  t.equal(empty.statusCode, 400);
  t.same(stored(), before, 'nothing kept');
});

t.test('a repeated upload is harmless; a different file under the same name is not taken', async (t) => {
  const name = `${randomUUID()}-5-00000000000000aa.wav`;
  const wav = fakeWav(1000);
  const first = await put(signed(name), wav, 'audio/wav');
  t.equal(first.statusCode, 201);
  t.match(first.json(), { name, bytes: wav.length, url: `/media/recordings/${name}` });
  const again = await put(signed(name), wav, 'application/octet-stream; charset=binary');
  t.equal(again.statusCode, 200);
  t.match(again.json(), { name, duplicate: true });
  const other = await put(signed(name), fakeWav(2000));
  t.equal(other.statusCode, 409);
  t.match(other.json(), { error: { code: 'recording_exists' } });
  t.same(readFileSync(join(recDir, name)), wav, 'the first recording is intact');
  t.same(stored().filter((f) => f.startsWith('.')), []);
  t.same((await get(up.h, `/media/recordings/${name}`, 'operator')).rawPayload, wav);
});

t.test('the rest of /media/ (WeChat images and voice) is private too', async (t) => {
  mkdirSync(join(uploadMedia, 'wechat'), { recursive: true });
  writeFileSync(join(uploadMedia, 'wechat', 'photo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  t.equal((await get(up.h, '/media/wechat/photo.png', null)).statusCode, 401);
  t.equal((await get(up.h, '/media/wechat/photo.png', 'unitB')).statusCode, 200);
  t.equal((await get(up.h, '/media/recordings/.nothing.part', 'operator')).statusCode, 404);
});

t.test('shared directory: the switch records into it by its own path, the console plays it from ours', async (t) => {
  const shared = join(scratch, 'nfs-export');
  mkdirSync(shared);
  // The switch mounts the same directory elsewhere.
  const switchView = join(scratch, 'switch-mount');
  symlinkSync(shared, switchView);
  const media = join(scratch, 'media-shared');
  mkdirSync(media);
  const s = await fsApp({ SUBAN_FS_RECORDINGS_DIR: shared, SUBAN_FS_RECORDINGS_SWITCH_DIR: switchView }, media);
  s.fs.writeRecordings = true;
  const tr = await s.fs.placeCall(s.port, { callerNumber: '13900000022', digits: ['2'], recordMs: 4000 });
  await s.provider.settled();
  const rec = tr.recordings[0]!;
  const name = rec.target.slice(rec.target.lastIndexOf('/') + 1);
  t.equal(rec.target, `${switchView}/${name}`);
  t.match(name, new RegExp(`^${tr.uuid}-\\d+-[0-9a-f]{16}\\.wav$`));
  const ticket = (await s.h.ctx.ticketStore.list({ contact: '13900000022' }, { limit: 5 })).items[0]!;
  t.same(ticket.attachments.map((a) => a.url), [`/media/recordings/${name}`]);
  const r = await get(s.h, `/media/recordings/${name}`, 'operator');
  t.equal(r.statusCode, 200);
  t.same(r.rawPayload, rec.wav);
  t.equal((await get(s.h, `/media/recordings/${name}`, null)).statusCode, 401);
  const noRoute = await s.h.app.inject({ method: 'PUT', url: `/freeswitch/recordings/${name}`, headers: { 'content-type': 'audio/wav' }, payload: rec.wav });
  t.equal(noRoute.statusCode, 404, 'no upload route without upload settings');
});

t.test('partial uploads left by a process that died are swept at start; recent ones and recordings stay', async (t) => {
  const media = join(scratch, 'media-swept');
  const dir = join(media, 'recordings');
  mkdirSync(dir, { recursive: true });
  const at = new Date(AFTER_HOURS).getTime(); // the new app's clock starts here
  const file = (name: string, ageMs: number) => {
    writeFileSync(join(dir, name), 'x');
    const when = new Date(at - ageMs);
    utimesSync(join(dir, name), when, when);
  };
  file('.a-1-00000000000000aa.wav.0123456789ab.part', 2 * 3600_000);
  file('.b-1-00000000000000bb.wav.0123456789ab.part', 60_000);
  file('c-1-00000000000000cc.wav', 2 * 3600_000);
  const s = await fsApp({ SUBAN_FS_RECORDING_UPLOAD_URL: 'http://127.0.0.1:9/freeswitch/recordings', SUBAN_FS_RECORDING_TOKEN: SECRET }, media);
  t.same(readdirSync(dir).sort(), ['.b-1-00000000000000bb.wav.0123456789ab.part', 'c-1-00000000000000cc.wav']);
  t.match(s.h.logs.text, 'removed partial recording uploads');
});
