/**
 * One WeChat contact's messages reaching two instances at the same moment. Each instance is a
 * ConversationEngine over its own connection to one shared database (a SQLite file always;
 * PostgreSQL when SUBAN_TEST_PG_URL is set), as behind a load balancer. The first message is held
 * inside its handling (in the classifier) while the second arrives on the other instance: without
 * the per-contact lease both read the same conversation and the later save wins.
 */
import t, { type Test } from 'tap';
import { openDatabase, type Database } from '../../../adapters/db/database.js';
import { SqlLeaseStore } from '../../../adapters/db/lease-store.js';
import { SqlStateStore } from '../../../adapters/db/misc-stores.js';
import { ConversationEngine, CONVERSATION_LEASE_SCOPE } from '../../../src/application/conversation/engine.js';
import type { ChatInput, ConversationPorts, ConversationRecord, ConversationStore } from '../../../src/application/conversation/ports.js';
import { conversationStoreOver } from '../../../src/application/conversation/store.js';
import { InMemoryConversationStore, InMemoryLeaseStore } from '../../fakes/conversation-store.js';
import { T } from '../../../src/application/conversation/texts.js';
import { createConversationEngine, type ConversationDeps } from '../../../src/application/conversation/wiring.js';
import type { LeaseStore } from '../../../src/application/ports/misc.js';
import { FakeClock } from '../../../src/domain/clock.js';
import { freshDatabase, sqliteFilePair } from '../../helpers/db.js';
import { FakePorts, START } from './fakes.js';

const CONTACT = 'oCitizen1';
const CONV_KEY = `conv:wechat-mp:${CONTACT}`;
const pgUrl = process.env.SUBAN_TEST_PG_URL;

const text = (messageId: string, body: string, clock: FakeClock): ChatInput => ({
  contactId: CONTACT,
  channel: 'wechat-mp',
  kind: 'text',
  text: body,
  at: clock.now(),
  messageId,
});

/** A classifier call that can be held open: the moment one instance is inside a message's handling. */
class Gate {
  private entered!: () => void;
  private opened!: () => void;
  readonly reached = new Promise<void>((r) => (this.entered = r));
  private readonly open = new Promise<void>((r) => (this.opened = r));
  private used = false;
  constructor(private readonly match: RegExp) {}
  async pass(text: string) {
    if (this.used || !this.match.test(text)) return;
    this.used = true;
    this.entered();
    await this.open;
  }
  release() {
    this.opened();
  }
}

function gatedPorts(inner: FakePorts, gate: Gate | null): ConversationPorts {
  return {
    classify: async (text) => {
      await gate?.pass(text);
      return inner.classify(text);
    },
    createTicket: (i) => inner.createTicket(i),
    lookupTicket: (n, c) => inner.lookupTicket(n, c),
    handToOperator: (c, tr) => inner.handToOperator(c, tr),
    pendingFollowup: (c) => inner.pendingFollowup(c),
    recordFollowup: (a) => inner.recordFollowup(a),
  };
}

async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

interface Pair {
  clock: FakeClock;
  ports: FakePorts;
  gate: Gate;
  a: ConversationEngine;
  b: ConversationEngine;
  /** How long each instance paused for the other's lease. */
  sleeps: number[];
  conversation(): Promise<ConversationRecord | null>;
}

/** Two instances, each over its own connection to the shared database; instance A's classifier is gated on `gateOn`. */
function instances(dbA: Database, dbB: Database, withLease: boolean, gateOn: RegExp): Pair {
  const clock = new FakeClock(START);
  const ports = new FakePorts();
  const gate = new Gate(gateOn);
  const sleeps: number[] = [];
  // Real (short) pauses: the other instance must get on with its message meanwhile.
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    await new Promise((r) => setTimeout(r, 2));
  };
  const make = (db: Database, g: Gate | null, owner: string) =>
    new ConversationEngine({
      ports: gatedPorts(ports, g),
      store: conversationStoreOver(new SqlStateStore(db), clock),
      clock,
      ...(withLease ? { lease: { store: new SqlLeaseStore(db), owner, sleep } } : {}),
    });
  const readBack = conversationStoreOver(new SqlStateStore(dbA), clock);
  return { clock, ports, gate, a: make(dbA, gate, 'instance-a'), b: make(dbB, null, 'instance-b'), sleeps, conversation: () => readBack.get(CONV_KEY) };
}

/**
 * A's 「路灯不亮」 is being handled when B gets 「在解放路」. In order, the second answers the place
 * question of the first, and 「是」 files one ticket with both.
 */
async function twoMessagesAtOnce(t: Test, dbA: Database, dbB: Database) {
  const p = instances(dbA, dbB, true, /路灯不亮/);
  const first = p.a.handle(text('m1', '路灯不亮，晚上很黑', p.clock));
  await p.gate.reached; // A holds the contact and has read its (empty) conversation
  let secondDone = false;
  const second = p.b.handle(text('m2', '在解放路', p.clock)).finally(() => (secondDone = true));
  await until(() => p.sleeps.length > 0 || secondDone, 'instance B to wait or finish');
  t.notOk(secondDone, 'B did not handle its message while A was in the middle of the first');
  p.gate.release();
  const [r1, r2] = await Promise.all([first, second]);

  t.same(r1, [T.greeting, T.askPlace], 'the first message is handled first');
  t.equal(r2.length, 1);
  t.match(r2[0], /【问题】路灯不亮，晚上很黑/, 'the second message sees the first one’s description');
  t.match(r2[0], /【地点】在解放路/, 'and answers its place question');
  t.ok(p.sleeps.length >= 1, 'B waited for the lease');
  const conv = await p.conversation();
  t.match(conv, { t: 'conversation', step: 'confirming', description: ['路灯不亮，晚上很黑'], place: { text: '在解放路' } });

  t.match(await p.a.handle(text('m3', '是', p.clock)), [/工单号：20260302-0001/]);
  t.equal(p.ports.created.length, 1);
  t.match(p.ports.created[0], { content: '路灯不亮，晚上很黑', place: '在解放路' });
  t.same(
    p.ports.created[0].transcript.filter((l) => l.from === 'citizen').map((l) => l.text),
    ['路灯不亮，晚上很黑', '在解放路', '是'],
    'the transcript has both messages, in order',
  );
  const left = await dbA.db.select().from(dbA.t.leases);
  t.same(left, [], 'every lease was given back');
}

/** The same message handed to both instances (a transport retry landing elsewhere): handled once. */
async function sameMessageTwice(t: Test, dbA: Database, dbB: Database) {
  const p = instances(dbA, dbB, true, /路灯不亮/);
  const first = p.a.handle(text('m1', '解放路路灯不亮', p.clock));
  await p.gate.reached;
  let secondDone = false;
  const second = p.b.handle(text('m1', '解放路路灯不亮', p.clock)).finally(() => (secondDone = true));
  await until(() => p.sleeps.length > 0 || secondDone, 'instance B to wait or finish');
  t.notOk(secondDone, 'B did not handle the message while A was in the middle of it');
  p.gate.release();
  const [r1, r2] = await Promise.all([first, second]);
  t.match(r1, [T.greeting, /【问题】解放路路灯不亮/]);
  t.same(r2, [], 'the other instance finds it already handled');
  t.same(p.ports.classified, ['解放路路灯不亮'], 'classified once');
  t.match(await p.conversation(), { description: ['解放路路灯不亮'] });
}

/** Without the lease the same interleaving loses the second message: what the tests above guard against. */
async function lostWithoutLease(t: Test, dbA: Database, dbB: Database) {
  const p = instances(dbA, dbB, false, /路灯不亮/);
  const first = p.a.handle(text('m1', '路灯不亮，晚上很黑', p.clock));
  await p.gate.reached;
  const r2 = await p.b.handle(text('m2', '在解放路', p.clock));
  t.match(r2, [T.greeting, /【问题】在解放路/], 'B started a conversation of its own');
  p.gate.release();
  await first;
  const conv = await p.conversation();
  t.match(conv, { step: 'awaiting_place', description: ['路灯不亮，晚上很黑'] }, 'A’s later save overwrote B’s');
  t.notMatch(JSON.stringify(conv), /在解放路/, 'the second message is lost');
}

async function pgPair(t: Test): Promise<[Database, Database]> {
  const { db: a, schema } = await freshDatabase(t, 'pg');
  const b = await openDatabase({ url: pgUrl!, schema, poolSize: 4 });
  // Registered after freshDatabase's teardown, so it runs first (tap runs them in reverse): closed before the schema is dropped.
  t.teardown(() => b.close());
  return [a, b];
}

const scenarios = { twoMessagesAtOnce, sameMessageTwice, lostWithoutLease };

t.test('two instances over one SQLite file', async (t) => {
  for (const [name, run] of Object.entries(scenarios)) {
    await t.test(name, async (t) => {
      const [a, b] = await sqliteFilePair(t);
      await run(t, a, b);
    });
  }
});

t.test('two instances over one PostgreSQL schema', { skip: pgUrl ? false : 'SUBAN_TEST_PG_URL not set: PostgreSQL tests run in CI' }, async (t) => {
  for (const [name, run] of Object.entries(scenarios)) {
    await t.test(name, async (t) => {
      const [a, b] = await pgPair(t);
      await run(t, a, b);
    });
  }
});

// ---- expiry, the wait bound and the fast path, on a clock driven by the pauses -----------------

/** An engine whose pauses move the fake clock instead of waiting. */
function fakeTimeEngine(leases: LeaseStore, opts: { store?: (clock: FakeClock) => ConversationStore; maxWaitMs?: number } = {}) {
  const clock = new FakeClock(START);
  const store = opts.store?.(clock) ?? new InMemoryConversationStore(clock);
  const sleeps: number[] = [];
  const engine = new ConversationEngine({
    ports: new FakePorts(),
    store,
    clock,
    lease: {
      store: leases,
      owner: 'instance-b',
      ...(opts.maxWaitMs !== undefined ? { maxWaitMs: opts.maxWaitMs } : {}),
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.advance(ms);
      },
    },
  });
  return { engine, clock, store, sleeps, slept: () => sleeps.reduce((a, b) => a + b, 0) };
}

const leaseKey = `wechat-mp:${CONTACT}`;

t.test('a dead instance’s lease is taken over once it expires', async (t) => {
  const { db } = await freshDatabase(t, 'sqlite');
  const leases = new SqlLeaseStore(db);
  const b = fakeTimeEngine(leases, { store: (clock) => conversationStoreOver(new SqlStateStore(db), clock) });
  // Instance A took the contact, then died before giving it back.
  t.equal(await leases.acquire(CONVERSATION_LEASE_SCOPE, leaseKey, 'instance-a', b.clock.now(), new Date(b.clock.now().getTime() + 30_000)), true);

  const replies = await b.engine.handle(text('m1', '路灯不亮', b.clock));
  t.same(replies, [T.greeting, T.askPlace], 'handled after the takeover');
  t.ok(b.slept() >= 30_000 && b.slept() < 30_000 + 250, `waited for the 30 s lease to run out (${b.slept()} ms)`);
  t.same(b.sleeps.slice(0, 6), [20, 40, 80, 160, 250, 250], 'short pauses, growing to a cap');
  t.match(await b.store.get(CONV_KEY), { description: ['路灯不亮'] });
  t.same(await db.db.select().from(db.t.leases), [], 'given back afterwards');
});

t.test('a contact held past the wait bound: the citizen is asked to send again, nothing is lost or marked', async (t) => {
  const leases = new InMemoryLeaseStore();
  const b = fakeTimeEngine(leases, { maxWaitMs: 2000 });
  const store = b.store as InMemoryConversationStore;
  // Another live instance holds the contact (a stuck message) for longer than the bound.
  await leases.acquire(CONVERSATION_LEASE_SCOPE, leaseKey, 'instance-a', b.clock.now(), new Date(b.clock.now().getTime() + 30_000));

  t.same(await b.engine.handle(text('m1', '路灯不亮', b.clock)), [T.busy]);
  t.equal(b.slept(), 2000, 'waited exactly the bound');
  t.equal(store.size, 0, 'neither conversation, rate window nor seen-mark was written');

  await leases.release(CONVERSATION_LEASE_SCOPE, leaseKey, 'instance-a');
  t.same(await b.engine.handle(text('m1', '路灯不亮', b.clock)), [T.greeting, T.askPlace], 'the same message, sent again, is handled');
});

class CountingLeases implements LeaseStore {
  readonly calls: string[] = [];
  constructor(private readonly inner: LeaseStore = new InMemoryLeaseStore()) {}
  async acquire(scope: string, key: string, owner: string, now: Date, until: Date) {
    this.calls.push(`acquire ${scope} ${key} ${until.getTime() - now.getTime()}`);
    return this.inner.acquire(scope, key, owner, now, until);
  }
  async release(scope: string, key: string, owner: string) {
    this.calls.push(`release ${scope} ${key}`);
    return this.inner.release(scope, key, owner);
  }
}

t.test('uncontended: one lease taken and given back per message, no pause', async (t) => {
  const leases = new CountingLeases();
  const b = fakeTimeEngine(leases);
  await b.engine.handle(text('m1', '路灯不亮', b.clock));
  await b.engine.handle(text('m2', '在解放路', b.clock));
  t.same(leases.calls, [
    'acquire conversation wechat-mp:oCitizen1 30000',
    'release conversation wechat-mp:oCitizen1',
    'acquire conversation wechat-mp:oCitizen1 30000',
    'release conversation wechat-mp:oCitizen1',
  ]);
  t.same(b.sleeps, []);
});

t.test('a message whose handling fails still gives the contact back', async (t) => {
  const leases = new InMemoryLeaseStore();
  const clock = new FakeClock(START);
  const inner = new InMemoryConversationStore(clock);
  let failures = 1;
  const store = {
    get: async (k: string) => {
      if (k.startsWith('conv:') && failures-- > 0) throw new Error('database down');
      return inner.get(k);
    },
    save: inner.save.bind(inner),
    delete: inner.delete.bind(inner),
  };
  const engine = new ConversationEngine({ ports: new FakePorts(), store, clock, lease: { store: leases, sleep: async () => void t.fail('no wait expected') } });
  await t.rejects(engine.handle(text('m1', '路灯不亮', clock)), /database down/);
  t.equal(leases.size, 0, 'released');
  t.same(await engine.handle(text('m1', '路灯不亮', clock)), [T.greeting, T.askPlace], 'the retry goes straight through');
});

t.test('a message held in hand past its lease keeps the contact: the lease is renewed while it is handled', async (t) => {
  const leases = new InMemoryLeaseStore();
  const clock = new FakeClock(START);
  const gate = new Gate(/路灯/);
  const engine = new ConversationEngine({
    ports: gatedPorts(new FakePorts(), gate),
    store: new InMemoryConversationStore(clock),
    clock,
    lease: { store: leases, owner: 'instance-a', renewEveryMs: 5 },
  });
  const handled = engine.handle(text('m1', '路灯不亮', clock));
  await gate.reached;
  // 25 s into a stalled handling: the next renewal (real time, every 5 ms here) moves the expiry on.
  clock.advance(25_000);
  const renewedBy = Date.parse(START) + 25_000 + 30_000;
  await until(() => {
    const until = leases.expiryOf(CONVERSATION_LEASE_SCOPE, leaseKey);
    return until !== undefined && until >= renewedBy;
  }, 'the lease to be renewed');
  // Past the first lease's end, another instance still finds the contact taken.
  clock.advance(10_000);
  const takenByOther = await leases.acquire(CONVERSATION_LEASE_SCOPE, leaseKey, 'instance-b', clock.now(), new Date(clock.now().getTime() + 30_000));
  t.equal(takenByOther, false, 'not taken over while the holder still works on the message');
  gate.release();
  t.same(await handled, [T.greeting, T.askPlace]);
  t.equal(leases.size, 0, 'given back, and no late renewal took it again');
});

t.test('the wiring takes the deployment’s leases', async (t) => {
  const { db } = await freshDatabase(t, 'sqlite');
  const clock = new FakeClock(START);
  const leases = new CountingLeases();
  const deps = {
    tickets: {} as ConversationDeps['tickets'],
    state: new SqlStateStore(db),
    leases,
    bus: { publish() {}, subscribe: () => () => {}, onMissedEvents: () => () => {}, linkState: () => 'local' },
    clock,
    calendar: {} as ConversationDeps['calendar'],
  } satisfies ConversationDeps;
  const engine = createConversationEngine(deps);
  t.same(await engine.handle({ contactId: 'oX', channel: 'wechat-mp', kind: 'event', event: 'subscribe', at: clock.now(), messageId: 'e1' }), [T.welcome]);
  t.same(leases.calls, ['acquire conversation wechat-mp:oX 30000', 'release conversation wechat-mp:oX']);
});
