/**
 * The crash-safety scenario, for SQLite and PostgreSQL alike: webhooks of every channel arrive
 * concurrently while 即办 pages and 回访 calls fall due; the server is SIGKILLed half-way and
 * started again on the same database and port; every provider retries what did not get a 2xx,
 * as Twilio, WeChat, 附件2 platforms and API clients do. Then the database and the fake Twilio (which outlives
 * both processes) are asked what happened.
 */
import type { Test } from 'tap';
import { startServe, type ServeProcess } from '../helpers/proc.js';
import { HOTLINE, OPEN311_CLIENT, open311Request, passiveText, platformPush, prepare, restCreate, send, sleep, twilioCallsByRef, twilioSid, twilioTo, twimlAttr, until, wechatTo, type Answer, type Engine, type Prepared } from './harness.js';

const URGENT = 6;
const REPLIED = 6;
const SMS = 24;
const REST = 24;
const CALLS = 6;
const CHATS = 6;
/** 附件2 platform cases (12315, interconnect); every other one is pushed already 已答复, so its mirror moves on too. */
const PUSHES = 6;
/** Open311 service requests, retried with their Idempotency-Key as a GeoReport client would. */
const OPEN311 = 6;
const CONCURRENCY = 8;
/** Killed once this share of the work got its answers. */
const KILL_AT = 0.35;
/** A provider gives up retrying after this long (far more than a restart takes). */
const RETRY_FOR_MS = 90_000;

type Kind = 'sms' | 'rest' | 'call' | 'chat' | 'push' | 'o311';

interface Item {
  kind: Kind;
  n: number;
  /** what identifies its ticket: external_ref (SMS, call, REST, platform case id), the WeChat contact, or the Open311 Idempotency-Key */
  ref: string;
  /** the answer of the request that makes the ticket, once 2xx */
  final: Answer | null;
  /** requests that were refused or cut, later retried */
  retries: number;
  error: string | null;
}

export async function crashScenario(t: Test, engine: Engine): Promise<void> {
  const p: Prepared = await prepare(t, engine, { urgent: URGENT, replied: REPLIED });
  // Short leases: a crashed instance's jobs and WeChat contacts are free again within seconds.
  const env = p.env({ SUBAN_JOB_LEASE_MS: '3000', SUBAN_JOB_POLL_MS: '100', SUBAN_CONVERSATION_LEASE_MS: '3000' });
  let server: ServeProcess = await startServe(t, { name: 'first', env });
  const url = server.url;
  const salt = Date.now().toString(36);
  const twilio = twilioTo(url);
  const mp = wechatTo(url);

  /** One request as a provider sends it: again and again until a 2xx (a 4xx is final). */
  const deliver = async (item: Item, fn: () => Promise<Answer>): Promise<Answer> => {
    const end = Date.now() + RETRY_FOR_MS;
    for (let wait = 200; ; wait = Math.min(wait * 2, 2000)) {
      const r = await fn();
      if (r.status >= 200 && r.status < 300) return r;
      if (r.status >= 400 && r.status < 500) throw new Error(`${r.status} ${r.body.slice(0, 300)}`);
      item.retries++;
      if (Date.now() > end) throw new Error(`still ${r.status} after ${RETRY_FOR_MS} ms: ${r.body.slice(0, 200)}`);
      await sleep(wait);
    }
  };

  const run: Record<Kind, (item: Item) => Promise<Answer>> = {
    sms: (item) => deliver(item, () => twilio.post('/twilio/sms', { MessageSid: item.ref, From: `+86137${String(item.n).padStart(8, '0')}`, To: HOTLINE, Body: `红旗路${item.n}号的下水道堵了，污水漫到路上` })),
    rest: (item) => deliver(item, () => restCreate(url, p.token, { content: `长征大道${item.n}号的人行道破损，老人容易绊倒`, contact: `136${String(item.n).padStart(8, '0')}`, externalRef: item.ref, idempotencyKey: item.ref })),
    call: async (item) => {
      const base = { CallSid: item.ref, From: `+86135${String(item.n).padStart(8, '0')}`, To: HOTLINE };
      const first = await deliver(item, () => twilio.post('/twilio/voice', base));
      const queued = await deliver(item, () => twilio.post(need(twimlAttr(first.body, 'Gather', 'action'), first), { ...base, Digits: '1' }));
      const record = await deliver(item, () => twilio.post(need(twimlAttr(queued.body, 'Enqueue', 'action'), queued), { ...base, QueueResult: 'leave', QueueTime: '30' }));
      return deliver(item, () => twilio.post(need(twimlAttr(record.body, 'Record', 'action'), record), { ...base, RecordingUrl: `https://api.twilio.com/rec/RE${item.n}`, RecordingDuration: '15' }));
    },
    chat: async (item) => {
      const id = (k: number) => `${BigInt(Date.parse('2026-01-01')) * 1000n + BigInt(item.n * 10 + k)}`;
      await deliver(item, () => mp({ openid: item.ref, msgId: id(1), type: 'text', content: `东升路${item.n}号的垃圾好几天没人清运，臭味很大，电话1391234${String(item.n).padStart(4, '0')}` }));
      await deliver(item, () => mp({ openid: item.ref, msgId: id(2), type: 'location', lat: 25.88, lng: 116.02, label: `江西省瑞金市象湖镇东升路${item.n}号` }));
      return deliver(item, () => mp({ openid: item.ref, msgId: id(3), type: 'text', content: '是' }));
    },
    o311: (item) =>
      deliver(item, () =>
        open311Request(url, p.open311Key, item.ref, {
          service_code: 'streetlight',
          description: `长征大道${item.n}号的窨井盖缺失，夜里很危险`,
          address_string: `象湖镇长征大道${item.n}号`,
          phone: `135${String(item.n).padStart(8, '0')}`,
        }),
      ),
    push: (item) =>
      deliver(item, () =>
        platformPush(url, {
          complaintNo: item.ref,
          appealTitle: '商家拒绝退货',
          appealContent: `红都大道${item.n}号某电器店出售的电饭煲内胆涂层脱落，商家拒绝退换`,
          consumerPhone: `139${String(item.n).padStart(8, '0')}`,
          businessType: '投诉',
          handleOrg: '市市场监管局',
          ...(pushedReplied(item) ? { caseStatus: '已答复', replyContent: '经调解，商家同意退货退款。' } : { caseStatus: '已分送' }),
        }),
      ),
  };

  const items: Item[] = [];
  const add = (kind: Kind, count: number, ref: (n: number) => string) => {
    for (let n = 0; n < count; n++) items.push({ kind, n, ref: ref(n), final: null, retries: 0, error: null });
  };
  add('sms', SMS, (n) => twilioSid('SM', n, salt));
  add('rest', REST, (n) => `rest-${salt}-${n}`);
  add('call', CALLS, (n) => twilioSid('CA', n, salt));
  add('chat', CHATS, (n) => `oCrash${salt}${n}`);
  add('push', PUSHES, (n) => `12315-${salt}-${n}`);
  add('o311', OPEN311, (n) => `fms-${salt}-${n}`);
  // Interleaved, so every channel is in flight when the process dies.
  items.sort((a, b) => a.n - b.n || a.kind.localeCompare(b.kind));

  let answered = 0;
  let killed = false;
  const killAt = Math.ceil(items.length * KILL_AT);
  let restarted: Promise<void> | null = null;
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      try {
        item.final = await run[item.kind](item);
      } catch (e) {
        item.error = (e as Error).message;
      }
      if (++answered >= killAt && !killed) {
        killed = true;
        restarted = (async () => {
          // A crash: no grace, whatever is in flight is cut.
          await server.stop('SIGKILL');
          server = await startServe(t, { name: 'restarted', env, port: server.port });
        })();
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await restarted;
  t.ok(killed, 'the server was killed mid-flight');
  const retried = items.filter((i) => i.retries > 0);
  t.comment(`${engine}: ${items.length} deliveries, ${retried.length} needed retries (${retried.map((i) => `${i.kind}×${i.retries}`).join(' ')})`);

  // ---- every request that got a 2xx is a ticket, none twice ----------------------------------
  for (const item of items) t.equal(item.error, null, `${item.kind} ${item.n} delivered`);
  // A WeChat retry that found the dead instance's claim still fresh was answered `success` (which
  // ends WeChat's retries) and the restarted instance takes the message over once the claim is
  // stale: its ticket may come a few seconds after the last answer. A contact whose message the
  // dead instance was handling also waits for that instance's conversation lease (30 s) to expire.
  const expected = URGENT + REPLIED + items.length;
  await until('every delivery to be a ticket', async () => (await p.sql.count('SELECT count(*) FROM tickets')) >= expected, 60_000).catch(() => undefined);
  for (const item of items.filter((i) => i.final)) {
    const n =
      item.kind === 'chat'
        ? await p.sql.count(`SELECT count(*) FROM tickets WHERE channel = 'wechat-mp' AND contact = ?`, [item.ref])
        : item.kind === 'o311'
          ? await p.sql.count('SELECT count(*) FROM tickets WHERE source_key = ?', [`open311:${OPEN311_CLIENT}:${item.ref}`])
          : await p.sql.count('SELECT count(*) FROM tickets WHERE external_ref = ?', [item.ref]);
    if (n !== 1) t.fail(`${item.kind} ${item.n} (${item.ref}) is ${n} tickets; its answer: ${item.final!.body.slice(0, 300)}`);
    if (item.kind === 'call') t.match(item.final!.body, /工单编号是/, `call ${item.n}: the caller heard a number`);
    if (item.kind === 'push' && n === 1) {
      // The number the platform was given is the mirror's, whichever delivery made it; and a
      // case pushed 已答复 is replied in the mirror even when the kill came between intake and sync.
      const [mirror] = await p.sql.rows<{ id: string; state: string; channel: string }>('SELECT id, state, channel FROM tickets WHERE external_ref = ?', [item.ref]);
      t.equal((JSON.parse(item.final!.body) as { ticket: { id: string } }).ticket.id, mirror!.id, `push ${item.n}: the platform was answered with the mirror's ticket`);
      t.equal(mirror!.channel, 'platform:12315热线', `push ${item.n}: the mirror is on the platform's channel`);
      t.equal(mirror!.state, pushedReplied(item) ? 'replied' : 'dispatched', `push ${item.n}: the mirror follows the platform's status`);
    }
    if (item.kind === 'o311' && n === 1) {
      // Whichever attempt made the ticket, the client holds its number and a token that leads to it.
      const [res] = JSON.parse(item.final!.body) as { service_request_id: string; token: string }[];
      const [row] = await p.sql.rows<{ number: string }>('SELECT number FROM tickets WHERE source_key = ?', [`open311:${OPEN311_CLIENT}:${item.ref}`]);
      t.equal(res!.service_request_id, row!.number, `o311 ${item.n}: the client was answered with the ticket's number`);
      const tok = await send(`${url}/open311/v2/tokens/${res!.token}.json`, { method: 'GET' });
      t.equal(tok.status, 200, `o311 ${item.n}: its token leads to the request`);
    }
    if (item.kind === 'chat') {
      const reply = passiveText(item.final!.body);
      if (reply !== null) t.match(reply, /工单号/, `chat ${item.n}: the reply names the ticket`);
    }
  }
  t.equal(await p.sql.count('SELECT count(*) FROM (SELECT source_key FROM tickets WHERE source_key IS NOT NULL GROUP BY source_key HAVING count(*) > 1) d'), 0, 'no source key twice');
  t.equal(await p.sql.count('SELECT count(*) FROM tickets'), expected, 'exactly one ticket per delivery and per prepared ticket');

  // ---- every due page and 回访 happens once ---------------------------------------------------
  const pageOf = async (ticketId: string) => (await p.sql.rows<{ id: string }>('SELECT id FROM pages WHERE ticket_id = ?', [ticketId]))[0]?.id ?? null;
  const attemptOf = async (pageId: string) => (await p.sql.rows<{ status: string }>('SELECT status FROM page_attempts WHERE page_id = ? AND step = 1 AND attempt = 1', [pageId]))[0]?.status ?? null;
  const claimed = async (ref: string) => (await p.sql.count(`SELECT count(*) FROM dedupe WHERE scope = 'followup.call' AND key = ?`, [ref])) === 1;
  const nextAttemptSet = async (id: string, page: string) => (await p.sql.count(`SELECT count(*) FROM jobs WHERE key = ? AND status = 'pending'`, [`page:${id}:${page}:1:2`])) === 1;
  const nextCallSet = async (id: string, round: number) => (await p.sql.count(`SELECT count(*) FROM jobs WHERE key = ? AND status IN ('pending', 'running', 'done')`, [`followup:${id}:${round}:call:2`])) === 1;
  const roundOf = async (ticketId: string) => Number((await p.sql.rows<{ key: string }>(`SELECT key FROM jobs WHERE kind = 'followup.start' AND key LIKE ?`, [`followup:${ticketId}:%`]))[0]?.key.split(':')[2]);
  await until(
    'the first page attempt of every 即办 ticket and the first 回访 call of every replied ticket',
    async () => {
      const calls = await twilioCallsByRef(p);
      for (const id of p.urgentIds) {
        const page = await pageOf(id);
        const status = page ? await attemptOf(page) : null;
        if (!page || !status) return false;
        // Cut between recording and sending: the re-run (once the dead run's lease is over) sets the next attempt.
        if ((status === 'sending' || status === 'failed') && !calls.has(`page:${id}:${page}:1:1`) && !(await nextAttemptSet(id, page))) return false;
      }
      for (const id of p.repliedIds) {
        const round = await roundOf(id);
        const ref = `followup:${id}:${round}:call:1`;
        if (calls.has(ref)) continue;
        if (!(await claimed(ref))) return false;
        // Cut between claiming and dialling: likewise, the re-run sets the next call.
        if (!(await nextCallSet(id, round))) return false;
      }
      return true;
    },
    45_000,
    250,
  );
  await sleep(1500); // more polls of the runner: a second send would show now
  const calls = await twilioCallsByRef(p);
  const twice = [...calls].filter(([, n]) => n > 1);
  t.same(twice, [], 'no call was placed twice for one page attempt or 回访 attempt');
  let inWindow = 0;
  for (const id of p.urgentIds) {
    t.equal(await p.sql.count('SELECT count(*) FROM pages WHERE ticket_id = ?', [id]), 1, `即办 ${id}: one page`);
    const page = (await pageOf(id))!;
    const status = await attemptOf(page);
    const placed = calls.get(`page:${id}:${page}:1:1`) ?? 0;
    if ((status === 'sending' || status === 'failed') && placed === 0) {
      // Killed between recording the attempt and calling: never sent twice, so not re-sent;
      // the next attempt of the chain is due instead (nobody is left unpaged).
      inWindow++;
      t.ok(await nextAttemptSet(id, page), `即办 ${id}: killed mid-send, the next attempt is due`);
    } else t.equal(placed, 1, `即办 ${id}: the first attempt was called once (${status})`);
  }
  for (const id of p.repliedIds) {
    const round = await roundOf(id);
    const ref = `followup:${id}:${round}:call:1`;
    const placed = calls.get(ref) ?? 0;
    if (placed === 0) {
      // Killed between claiming the attempt and dialling: at most once, so not re-dialled; the next attempt is set.
      inWindow++;
      t.ok(await claimed(ref), `回访 ${id}: the attempt was claimed before the kill`);
      t.ok(await nextCallSet(id, round), `回访 ${id}: killed mid-dial, the next call is set`);
    } else t.equal(placed, 1, `回访 ${id}: called once`);
  }
  t.comment(`${engine}: ${calls.size} calls placed across both runs; ${inWindow} attempts cut between record and send`);
  const acks = new Map<string, number>();
  for (const m of p.twilio.messages) if (/已登记/.test(m.body)) acks.set(m.to, (acks.get(m.to) ?? 0) + 1);
  t.same([...acks].filter(([, n]) => n > 1), [], 'no citizen got the same acknowledgement SMS twice');
  await server.stop('SIGTERM');
}

const pushedReplied = (item: Item) => item.n % 2 === 1;

function need(url: string | undefined, from: Answer): string {
  if (!url) throw new Error(`no next URL in the TwiML: ${from.body.slice(0, 300)}`);
  return url;
}
