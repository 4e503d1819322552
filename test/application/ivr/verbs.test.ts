/** Each verb is one folder (src/application/ivr/steps/<verb>/): the registry has every verb of the language, once. */
import t from 'tap';
import { VERBS } from '../../../src/application/ivr/flow.js';
import { createStep, stepTargets, VERB_DEFINITIONS } from '../../../src/application/ivr/steps/index.js';
import { validateFlowSource } from '../../../src/application/ivr/validate.js';

t.test('every verb of the language has its definition, named for it', async (t) => {
  t.same(Object.keys(VERB_DEFINITIONS).sort(), [...VERBS].sort());
  for (const v of VERBS) t.equal(VERB_DEFINITIONS[v].verb, v, v);
});

t.test("a flow using every verb reads through each verb's checks and compiles to its steps", async (t) => {
  const src = `
start: s
steps:
  s: { say: 您好 }
  p: { play: https://x/a.wav }
  r: { record: { storeAs: rec } }
  d: { dial: "12345", next: m }
  m:
    gather:
      prompt: 请按键
      branches: { "1": q, "2": { to: a, set: { picked: 2 } } }
      onNoInput: h
  q: { queue: { name: 值班, onTimeout: x } }
  a: { answer: { text: "{{speech}}", solved: h, onNoMatch: x }, next: b }
  b: { branch: { if: { var: picked, equals: 2 }, then: x, else: g } }
  g: { goto: x }
  x: { action: { name: createTicket, storeAs: ticket }, next: n }
  n: { sms: "工单{{ticket}}", next: h }
  h: { hangup: done }
`;
  const r = validateFlowSource(src, 'all.yaml');
  t.same(r.errors, []);
  const specs = [...r.flow!.steps.values()];
  t.same(new Set(specs.map((s) => s.verb)), new Set(VERBS));
  for (const s of specs) t.equal(createStep(s).verb, s.verb, `${s.id} → ${s.verb} step`);
  t.same(stepTargets(r.flow!.steps.get('m')!), ['q', 'a', 'h', 'h']);
  t.same(stepTargets(r.flow!.steps.get('q')!), ['x']);
  t.same(stepTargets(r.flow!.steps.get('s')!), ['p'], 'say goes on to the step below');
});
