/**
 * Two instances on one PostgreSQL: a caller's calls today are counted wherever they landed, so
 * the screen pop's "repeat caller today" is right whichever instance took the earlier call.
 */
import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { createContainer, type Container } from '../../src/composition/container.js';
import { createLogger } from '../../src/logger.js';
import { seed } from '../../src/application/seed.js';
import { FakeClock } from '../../src/domain/clock.js';
import { TOPIC } from '../../src/application/ports/events.js';
import { classifier } from '../helpers/app.js';
import { dropSchema, newSchemaName } from '../helpers/db.js';

const url = process.env.SUBAN_TEST_PG_URL;

/** The caller's call once it waits in the operator queue of `ctx` (up to 5 s). */
async function waitingCall(ctx: Container, caller: string) {
  for (let i = 0; i < 200; i++) {
    const w = ctx.operatorQueue.waitingCalls().find((c) => c.caller === caller);
    if (w) return w;
    await new Promise((r) => setTimeout(r, 25));
  }
  return undefined;
}

t.test('repeat caller today counts the calls every instance took', { skip: url ? false : 'SUBAN_TEST_PG_URL not set: PostgreSQL tests run in CI' }, async (t) => {
  const schema = newSchemaName();
  const clock = new FakeClock('2026-11-26T02:00:00Z'); // 10:00 in Shanghai, a working day
  const instance = async (): Promise<Container> => {
    const config = loadConfig({ DATABASE_URL: url!, SUBAN_PUBLIC_URL: 'https://hotline.example.cn', SUBAN_LOG_LEVEL: 'warn' });
    const ctx = await createContainer(config, createLogger('warn'), { clock, pgSchema: schema, classifier: classifier() });
    t.teardown(() => ctx.close());
    return ctx;
  };
  const a = await instance();
  await seed(a, false);
  const b = await instance();
  t.teardown(() => dropSchema(url!, schema));

  // B hears of A's call over LISTEN/NOTIFY.
  const heardOnB = new Promise<void>((resolve) => {
    const off = b.bus.subscribe(TOPIC.callStarted, () => {
      off();
      resolve();
    });
  });
  await a.simVoice!.placeInbound({ from: '13800000001', press: ['2'], say: '咨询一下居住证怎么办理' });
  await heardOnB;

  const calling = b.simVoice!.placeInbound({ from: '13800000001', press: ['1'], say: '红都大道有路面塌陷，一辆车掉进去了', holdMs: 10_000 });
  const pop = await waitingCall(b, '13800000001');
  t.match(pop, { callsToday: 2, repeatCallerToday: true }, "the pop on B counts the call A took");
  t.ok(b.simVoice!.answerQueued(pop!.callId));
  await calling;
  await b.calls.idle();

  // Another caller's first call is not a repeat, on either instance.
  const other = a.simVoice!.placeInbound({ from: '13900000002', press: ['1'], say: '家里着火了', holdMs: 10_000 });
  const first = await waitingCall(a, '13900000002');
  t.match(first, { callsToday: 1, repeatCallerToday: false });
  t.ok(a.simVoice!.answerQueued(first!.callId));
  await other;
  await a.calls.idle();
});
