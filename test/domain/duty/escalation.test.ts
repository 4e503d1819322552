import t from 'tap';
import { defaultChain, nextPosition, nextStep, validateChain, waitAfterAttempt, waitAfterNotReached } from '../../../src/domain/duty/index.js';

const T0 = new Date('2026-11-01T00:00:00Z');

t.test('the final step must repeat and be a duty office', async (t) => {
  t.throws(() => validateChain('X', { steps: [{ target: 'duty', channel: 'call' }] }, 1, T0), { code: 'final_step_must_repeat' });
  t.throws(() => validateChain('X', { steps: [{ target: 'duty', channel: 'call', repeat: true }] }, 1, T0), { code: 'final_step_must_repeat' });
  t.throws(() => validateChain('X', { steps: [{ target: 'hotline_duty', channel: 'call', repeat: true }, { target: 'city_duty', channel: 'call', repeat: true }] }, 1, T0), { code: 'bad_step' });
  t.throws(() => validateChain('X', { steps: [] }, 1, T0), { code: 'empty_chain' });
  t.throws(() => validateChain('X', { steps: [{ target: 'person', channel: 'call' }, { target: 'city_duty', channel: 'call', repeat: true }] }, 1, T0), { code: 'bad_step' });
  const c = validateChain('X', { steps: [{ target: 'duty', channel: 'sms' }, { target: 'city_duty', channel: 'call', repeat: true }] }, 1, T0);
  t.match(c.steps[0], { ackTimeoutSec: 300, attempts: 1, gapSec: 60 }, 'defaults: 5 min ack timeout');
});

t.test('positions walk the chain and the last step repeats for ever', async (t) => {
  const { steps } = defaultChain('X', T0);
  const walk = [{ step: 1, attempt: 1 }];
  for (let i = 0; i < 7; i++) walk.push(nextPosition(steps, walk.at(-1)!));
  t.same(
    walk.map((p) => `${p.step}.${p.attempt}`),
    ['1.1', '1.2', '2.1', '3.1', '3.2', '4.1', '4.2', '4.3'],
  );
  t.same(nextStep(steps, { step: 1, attempt: 1 }), { step: 2, attempt: 1 }, '9 skips the remaining attempts');
  t.same(nextStep(steps, { step: 4, attempt: 2 }), { step: 4, attempt: 3 });
  t.equal(waitAfterAttempt(steps, { step: 1, attempt: 1 }), 300, 'a call waits for its outcome, at most the ack timeout');
  t.equal(waitAfterAttempt(steps, { step: 2, attempt: 1 }), 300, 'an SMS waits the ack timeout');
  t.equal(waitAfterNotReached(steps, { step: 1, attempt: 1 }), 60, 'second call a minute after');
  t.equal(waitAfterNotReached(steps, { step: 1, attempt: 2 }), 0, 'next step at once');
  t.equal(waitAfterNotReached(steps, { step: 4, attempt: 9 }), 60, 'repeats a minute apart');
  const sms = validateChain('X', { steps: [{ target: 'duty', channel: 'sms', attempts: 2, gapSec: 120 }, { target: 'city_duty', channel: 'sms', repeat: true, ackTimeoutSec: 600 }] }, 1, T0);
  t.equal(waitAfterAttempt(sms.steps, { step: 1, attempt: 1 }), 120);
  t.equal(waitAfterAttempt(sms.steps, { step: 1, attempt: 2 }), 300);
  t.equal(waitAfterAttempt(sms.steps, { step: 2, attempt: 5 }), 600);
});
