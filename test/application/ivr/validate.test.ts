import t from 'tap';
import { join } from 'node:path';
import { checkFlows, formatFlowError, validateFlowSource, type FlowError } from '../../../src/application/ivr/validate.js';
import { FIXTURE_DIR, FLOW_DIR } from './harness.js';
import { flowDirectory } from '../../../adapters/fs-config/flow-files.js';

const BROKEN = join(FIXTURE_DIR, 'broken');
const brokenErrors = checkFlows(flowDirectory(BROKEN)).errors;
const errorsOf = (file: string): string[] => brokenErrors.filter((e) => e.file === file).map(formatFlowError);

function check(src: string, opts = {}): string[] {
  return validateFlowSource(src, 'inline.yaml', opts).errors.map(formatFlowError);
}

t.test('the shipped flows are valid', async (t) => {
  const r = checkFlows(flowDirectory(FLOW_DIR), { actions: ['assessSpeech', 'pageAck', 'pagePass', 'recordFollowup', 'pageArrived', 'pageNotArrived'] });
  t.same(r.errors, []);
  t.equal(r.ok, true);
  t.same(r.flows, ['arrival', 'followup', 'hotline', 'paging']);
});

t.test('the broken fixtures are reported, and the directory is not ok', async (t) => {
  const r = checkFlows(flowDirectory(BROKEN));
  t.equal(r.ok, false);
  t.same(r.flows, []);
});

t.test('each error names file, line and step', async (t) => {
  t.same(errorsOf('unknown-target.yaml'), ['unknown-target.yaml:11 menu: unknown step "nowhere"']);
  t.same(errorsOf('unreachable.yaml'), ['unreachable.yaml:7 orphan: unreachable: no path from start "hello" leads here']);
  t.same(errorsOf('gather-no-input.yaml'), ['gather-no-input.yaml:4 menu: gather has no onNoInput: a caller who presses nothing would be stuck']);
  t.same(errorsOf('missing-start.yaml'), ['missing-start.yaml:1: missing `start`: name the first step']);
  t.same(errorsOf('variables.yaml'), [
    'variables.yaml:5 hello: unknown variable "lokup": not an input, a built-in (callId, caller, called, flow, direction, digits, speech) or stored by any step',
    'variables.yaml:6 bye: the last step needs `next` (or end the flow with hangup/goto)',
  ]);
});

t.test('schema errors point at the offending key', async (t) => {
  const e = errorsOf('schema.yaml');
  t.match(e, [
    /^schema\.yaml:4 hello: unknown verb "speak"/,
    'schema.yaml:8 menu: `maxDigits` must be a whole number from 1 to 32',
    'schema.yaml:15 record-it: unknown option "beeep"',
    /^schema\.yaml:17 bye: unknown filter "backwards"/,
  ]);
  t.equal(e.length, 4);
});

t.test('YAML syntax errors carry their line and no step', async (t) => {
  const e = brokenErrors.filter((x) => x.file === 'syntax.yaml');
  t.ok(e.length >= 1);
  t.equal(e[0].line, 4);
  t.equal(e[0].step, undefined);
  t.match(e[0].message, /^YAML: /);
});

t.test('formatFlowError is file:line step: message', async (t) => {
  const e: FlowError = { file: 'a.yaml', line: 3, step: 'menu', message: 'boom' };
  t.equal(formatFlowError(e), 'a.yaml:3 menu: boom');
  t.equal(formatFlowError({ file: 'a.yaml', line: 1, message: 'boom' }), 'a.yaml:1: boom');
});

t.test('a missing directory is an error, not an exception', async (t) => {
  const r = checkFlows(flowDirectory(join(FIXTURE_DIR, 'does-not-exist')));
  t.equal(r.ok, false);
  t.match(r.errors[0].message, /cannot read flow directory/);
});

t.test('more rules, each at its line', async (t) => {
  t.same(
    check(`start: a
steps:
  a:
    say: hi
    hangup: x
`),
    ['inline.yaml:5 a: more than one verb (say, hangup): one step does one thing'],
  );
  t.same(
    check(`start: q
steps:
  q:
    queue: general
    next: b
  b:
    hangup: x
`),
    ['inline.yaml:5 q: `next` is not used by queue: use onTimeout / onAnswered'],
  );
  t.same(
    check(`start: g
steps:
  g:
    gather:
      prompt: 按1
      onNoInput: b
      branches: { "1": b }
    next: b
  b:
    hangup: x
`),
    ['inline.yaml:8 g: a gather with branches sends unmatched keys to onInvalid; remove `next`'],
  );
  t.same(
    check(`start: g
steps:
  g:
    gather:
      prompt: 按井号
      onNoInput: b
      branches:
        "#": b
  b:
    hangup: x
`),
    ['inline.yaml:8 g: branch "#" uses the finishOnKey "#"; set finishOnKey: "" to make it a choice'],
  );
  t.same(
    check(`start: a
steps:
  a:
    say: hi
  a:
    hangup: x
`).length,
    1,
    'duplicate step ids are a YAML error',
  );
  t.same(
    check(
      `start: a
steps:
  a:
    action: pageAk
  b:
    hangup: x
`,
      { actions: ['pageAck'] },
    ),
    ['inline.yaml:4 a: unknown action "pageAk" (known: createTicket, lookupTicket, pageAck)'],
  );
  t.same(
    check(`start: a
steps:
  a:
    say: 工单{{ticket.number}
  b:
    hangup: x
`),
    ['inline.yaml:4 a: unclosed "{{" in "工单{{ticket.number}"'],
  );
  t.same(
    check(`start: nowhere
steps:
  a:
    hangup: x
`),
    ['inline.yaml:1: unknown step "nowhere"'],
  );
  t.same(
    check(`start: a
steps:
  a:
    branch:
      if: sunny
      then: b
      else: b
  b:
    hangup: x
`),
    ['inline.yaml:5 a: a condition is workingHours, callerBlocked, {digits: "1"}, {var: x, equals: v} or {var: x, in: [..]}'],
  );
  t.same(
    check(`start: a
steps:
  a:
    gather:
      prompt: 请按1
      onNoInput: b
      onSpeech: b
      branches:
        "1": b
  b:
    hangup: x
`),
    ['inline.yaml:7 a: onSpeech is for a menu (branches) with speech: true'],
  );
  t.same(check(`start: a\nsteps: {}\n`), ['inline.yaml:2: `steps` must be a non-empty map of step id → step']);
  t.same(check(`start: a\nsteps:\n  a:\n    hangup: x\nvoice: 1\ncolour: red\n`), ['inline.yaml:5: `voice` must be text', 'inline.yaml:6: unknown key "colour" (allowed: description, start, voice, language, inputs, steps)']);
});

t.test('defaults: a step continues with the one below it; gather defaults', async (t) => {
  const r = validateFlowSource(
    `start: a
steps:
  a:
    say: hi
  g:
    gather:
      prompt: [请输入, { play: https://x/y.wav }, { say: 再见, voice: v2 }]
      onNoInput: b
  b:
    hangup: x
`,
    'd.yaml',
  );
  t.same(r.errors, []);
  t.match(r.flow!.steps.get('a'), { verb: 'say', next: 'g', line: 3 });
  t.match(r.flow!.steps.get('g'), {
    verb: 'gather',
    next: 'b',
    maxDigits: 1,
    minDigits: 1,
    finishOnKey: '#',
    timeoutSec: 5,
    retries: 2,
    onInvalid: 'b',
    prompt: [{ kind: 'say', text: '请输入' }, { kind: 'play', url: 'https://x/y.wav' }, { kind: 'say', text: '再见', voice: 'v2' }],
  });
  t.equal(r.flow!.name, 'd');
});
