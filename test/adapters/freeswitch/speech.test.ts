import t from 'tap';
import fc from 'fast-check';
import { parseDetectSpeechResult, normaliseConfidence, dtmfDigits, MAX_RESULT_BYTES } from '../../../adapters/freeswitch/nlsml.js';
import type { CallChannel } from '../../../adapters/freeswitch/outbound-server.js';
import { detectSpeechArg, executeTurn, NO_MATCH_INPUT, RECOGNITION_TIMEOUT_MS, type RenderOptions } from '../../../adapters/freeswitch/render.js';
import type { GatherInstruction, Turn } from '../../../src/application/ivr/instructions.js';
import { loadConfig } from '../../../src/config.js';
import { nlsml, parseDetectSpeech, splitArgs } from '../../fakes/fake-freeswitch.js';
import { runTurns } from './turns.js';

// --- detect_speech_result --------------------------------------------------------------------

const MRCP_NS = 'urn:ietf:params:xml:ns:mrcpv2';

t.test('NLSML speech: the text and its confidence', async (t) => {
  const xml = `<?xml version="1.0"?>
<result xmlns="${MRCP_NS}" grammar="builtin:speech/transcribe">
  <interpretation grammar="builtin:speech/transcribe" confidence="0.87">
    <instance>我们小区停水两天了</instance>
    <input mode="speech">我们小区停水两天了</input>
  </interpretation>
</result>`;
  t.same(parseDetectSpeechResult(xml), { kind: 'speech', text: '我们小区停水两天了', confidence: 0.87 });
  // mod_pocketsphinx and MRCPv1 servers write confidence as a percentage, without a namespace or mode.
  t.same(parseDetectSpeechResult('<?xml version="1.0"?>\n<result grammar="hotline">\n  <interpretation grammar="hotline" confidence="80">\n    <input>停水</input>\n  </interpretation>\n</result>\n'), { kind: 'speech', text: '停水', confidence: 0.8 });
  // Whitespace a recognizer puts between words is one space.
  t.same(parseDetectSpeechResult('<result><interpretation><input mode="speech">\n  红都大道   有   积水 \n</input></interpretation></result>'), { kind: 'speech', text: '红都大道 有 积水' });
  // Only <instance> filled (some dictation servers).
  t.same(parseDetectSpeechResult('<result><interpretation confidence="0.5"><instance>路灯不亮</instance><input/></interpretation></result>'), { kind: 'speech', text: '路灯不亮', confidence: 0.5 });
  // A prefixed namespace and no <result> wrapper read alike.
  t.same(parseDetectSpeechResult(`<nl:result xmlns:nl="${MRCP_NS}"><nl:interpretation><nl:input mode="speech">噪音扰民</nl:input></nl:interpretation></nl:result>`), { kind: 'speech', text: '噪音扰民' });
  t.same(parseDetectSpeechResult('<interpretation confidence="1"><input mode="speech">你好</input></interpretation>'), { kind: 'speech', text: '你好', confidence: 1 });
});

t.test('n-best: the most confident interpretation wins; ties keep the recognizer order', async (t) => {
  const xml = `<result>
  <interpretation confidence="0.41"><input mode="speech">我们小区停睡两天了</input></interpretation>
  <interpretation confidence="0.93"><input mode="speech">我们小区停水两天了</input></interpretation>
  <interpretation confidence="0.93"><input mode="speech">我们小区听水两天了</input></interpretation>
</result>`;
  t.same(parseDetectSpeechResult(xml), { kind: 'speech', text: '我们小区停水两天了', confidence: 0.93 });
});

t.test('NLSML dtmf: the keys the recognizer took become digits', async (t) => {
  t.same(parseDetectSpeechResult('<result><interpretation confidence="1.0"><input mode="dtmf">1 2 3</input></interpretation></result>'), { kind: 'dtmf', digits: '123', confidence: 1 });
  t.same(parseDetectSpeechResult('<result><interpretation><input mode="DTMF">2 0 2 6 star 1 pound</input></interpretation></result>'), { kind: 'dtmf', digits: '2026*1#' });
  // dtmf input without a single key is nothing usable
  t.same(parseDetectSpeechResult('<result><interpretation><input mode="dtmf">  </input></interpretation></result>'), { kind: 'noinput' });
  t.equal(dtmfDigits('hash 9 asterisk'), '#9*');
});

t.test('DTMF barge-in: DIGIT: x from playback_terminators', async (t) => {
  t.same(parseDetectSpeechResult('DIGIT: 3'), { kind: 'dtmf', digits: '3', bargeIn: true });
  t.same(parseDetectSpeechResult('DIGIT: #'), { kind: 'dtmf', digits: '#', bargeIn: true });
  t.same(parseDetectSpeechResult('DIGIT: 34').kind, 'junk', 'never more than one key');
});

t.test('no input and no match, as NLSML and as mod_unimrcp completion causes', async (t) => {
  t.same(parseDetectSpeechResult(`<result xmlns="${MRCP_NS}"><interpretation><instance/><input><noinput/></input></interpretation></result>`), { kind: 'noinput' });
  t.same(parseDetectSpeechResult(`<result xmlns="${MRCP_NS}"><interpretation><instance/><input><nomatch/></input></interpretation></result>`), { kind: 'nomatch' });
  t.same(parseDetectSpeechResult('<result><nomatch/></result>'), { kind: 'nomatch' });
  t.same(parseDetectSpeechResult('<result></result>'), { kind: 'noinput' });
  t.same(parseDetectSpeechResult('Completion-Cause: 002'), { kind: 'noinput' });
  t.same(parseDetectSpeechResult('Completion-Cause: 001'), { kind: 'nomatch' });
  t.same(parseDetectSpeechResult('Completion-Cause: 015'), { kind: 'nomatch' }, 'no-match-maxtime');
  t.same(parseDetectSpeechResult('Completion-Cause: 006'), { kind: 'error', cause: '006' }, 'recognizer-error');
  t.same(parseDetectSpeechResult(''), { kind: 'noinput' });
  t.same(parseDetectSpeechResult(undefined), { kind: 'noinput' });
  t.same(parseDetectSpeechResult(null), { kind: 'noinput' });
});

t.test('entities and escaping', async (t) => {
  t.same(parseDetectSpeechResult('<result><interpretation><input mode="speech">A&amp;B 小区 &lt;3号楼&gt; &#x4F60;&#22909; &quot;漏水&quot;</input></interpretation></result>'), { kind: 'speech', text: 'A&B 小区 <3号楼> 你好 "漏水"' });
  // a literal "&#20320;" the caller's text carried stays literal (decoded once, not twice)
  t.same(parseDetectSpeechResult('<result><interpretation><input>&amp;#20320;</input></interpretation></result>'), { kind: 'speech', text: '&#20320;' });
  // A server that forgets to escape & is still read.
  t.same(parseDetectSpeechResult('<result><interpretation><input mode="speech">水电&燃气</input></interpretation></result>'), { kind: 'speech', text: '水电&燃气' });
  // CDATA
  t.same(parseDetectSpeechResult('<result><interpretation><input mode="speech"><![CDATA[<停水> & 停电]]></input></interpretation></result>'), { kind: 'speech', text: '<停水> & 停电' });
});

t.test('junk is no input, never an exception', async (t) => {
  const junk = [
    '<result><interpretation><input mode="speech">停水</interpretation></result>',
    '<result><interpretation><input mode="speech">a < b</input></interpretation></result>',
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "xxxxxxxx"><!ENTITY y "&x;&x;&x;&x;">]><result><interpretation><input>&y;</input></interpretation></result>',
    '+OK',
    'DIGIT:',
    '<html><body>502 Bad Gateway</body></html>',
    `<result><interpretation><input>${'水'.repeat(MAX_RESULT_BYTES)}</input></interpretation></result>`,
    '<' + '<a>'.repeat(100) + '停水' + '</a>'.repeat(100),
  ];
  for (const raw of junk) t.equal(parseDetectSpeechResult(raw).kind, 'junk', raw.slice(0, 60));
  // Depth or structure the reader does not expect still yields something sane.
  t.same(parseDetectSpeechResult('<result><interpretation><input><b><i>很</i>深</b></input></interpretation></result>'), { kind: 'speech', text: '很 深' });
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('<result>', '<interpretation', '<input mode="', 'Completion-Cause: ', 'DIGIT: ', '&#', ']]>', '<![CDATA[').chain((p) => fc.string().map((s) => p + s))), (s) => {
      const r = parseDetectSpeechResult(s);
      return typeof r.kind === 'string';
    }),
    { numRuns: 2000 },
  );
});

t.test('confidence: 0..1, percent above 1, nonsense left out', async (t) => {
  t.equal(normaliseConfidence('0.5'), 0.5);
  t.equal(normaliseConfidence('95'), 0.95);
  t.equal(normaliseConfidence('250'), 1);
  t.equal(normaliseConfidence('-1'), undefined);
  t.equal(normaliseConfidence('high'), undefined);
  t.equal(normaliseConfidence(''), undefined);
  t.equal(normaliseConfidence(undefined), undefined);
});

t.test('the fake recognizer speaks the same NLSML the parser reads', async (t) => {
  t.same(parseDetectSpeechResult(nlsml('builtin:speech/transcribe', { mode: 'speech', text: '<停水>&"停电"', confidence: 0.7 })), { kind: 'speech', text: '<停水>&"停电"', confidence: 0.7 });
  t.same(parseDetectSpeechResult(nlsml('g', 'nomatch')), { kind: 'nomatch' });
});

// --- the play_and_detect_speech argument ----------------------------------------------------

t.test('detectSpeechArg: <file> detect:<engine> {params}<grammar>, as mod_dptools splits it', async (t) => {
  const g = { timeoutSec: 6 };
  const arg = detectSpeechArg('say:请说出您的诉求', g, { engine: 'unimrcp:aliyun', grammar: 'builtin:speech/transcribe' });
  t.equal(arg, `say:请说出您的诉求 detect:unimrcp:aliyun {start-input-timers=false,no-input-timeout=6000,recognition-timeout=${RECOGNITION_TIMEOUT_MS}}builtin:speech/transcribe`);
  t.same(parseDetectSpeech(arg), {
    file: 'say:请说出您的诉求',
    engine: 'unimrcp:aliyun',
    params: { 'start-input-timers': 'false', 'no-input-timeout': '6000', 'recognition-timeout': String(RECOGNITION_TIMEOUT_MS) },
    grammar: 'builtin:speech/transcribe',
  });
  // The site's own {params} in front of the grammar join ours and come last (they win).
  const own = parseDetectSpeech(detectSpeechArg('file_string://say:一!say:二', g, { engine: 'pocketsphinx', grammar: '{speech-language=zh-CN,no-input-timeout=8000}hotline' }))!;
  t.same(own.params, { 'start-input-timers': 'false', 'no-input-timeout': '8000', 'recognition-timeout': String(RECOGNITION_TIMEOUT_MS), 'speech-language': 'zh-CN' });
  t.equal(own.grammar, 'hotline');
  t.equal(own.file, 'file_string://say:一!say:二');
  // A prompt that says "detect:" must not move mod_dptools' split.
  t.equal(parseDetectSpeech(detectSpeechArg('say:请说 detect: 二', g, { engine: 'unimrcp', grammar: 'x' }))!.engine, 'unimrcp');
});

// --- a gather on the fake switch ------------------------------------------------------------

const base: RenderOptions = { recordingPath: (c, n) => `/tmp/${c}-${n}.wav` };
const ASR = { engine: 'unimrcp:aliyun', grammar: 'builtin:speech/transcribe' };

function gatherTurn(ch: CallChannel, turnId: number, g: Partial<GatherInstruction> = {}): Turn {
  return {
    callId: ch.info.uuid,
    turnId,
    done: false,
    instructions: [
      {
        kind: 'gather',
        prompt: [{ kind: 'say', text: '紧急事项请按1，或直接说出您的诉求', language: 'cmn-CN' }],
        minDigits: 1,
        maxDigits: 1,
        timeoutSec: 6,
        finishOnKey: '',
        speech: { language: 'cmn-CN', hints: [] },
        ...g,
      },
    ],
  };
}


t.test('speech gathers: text, keys instead, no input, no match', async (t) => {
  const recognized: string[] = [];
  const { inputs, transcript, apps } = await runTurns(
    t,
    { ...base, asr: ASR, recognized: (r) => recognized.push(r.kind) },
    (ch) => [1, 2, 3, 4, 5].map((n) => gatherTurn(ch, n)),
    { callerNumber: '13800000000', speech: [{ say: '我们小区停水两天了', confidence: 0.9 }, { dtmf: '1' }, 'noinput', 'nomatch', { completionCause: '001' }] },
  );
  t.same(inputs, [{ speech: '我们小区停水两天了' }, { digits: '1' }, {}, NO_MATCH_INPUT, NO_MATCH_INPUT]);
  t.same(recognized, ['speech', 'dtmf', 'noinput', 'nomatch', 'nomatch']);
  // The ASR port goes back to the pool after each recognition (set once per call); any key barges in, and only for this app.
  t.same(apps.slice(0, 6), ['set', 'set', 'set', 'set', 'play_and_detect_speech', 'unset']);
  t.same(transcript.executes.slice(2, 4).map((e) => e.arg), ['play_and_detect_speech_close_asr=true', 'playback_terminators=any']);
  t.equal(transcript.executes[5]!.arg, 'playback_terminators');
  t.equal(apps.filter((a) => a === 'play_and_detect_speech').length, 5);
  t.equal(transcript.executes.filter((e) => e.arg === 'play_and_detect_speech_close_asr=true').length, 1);
  t.notOk(apps.includes('play_and_get_digits'));
  t.same(transcript.speechRequests[0], {
    file: 'say:紧急事项请按1，或直接说出您的诉求',
    engine: 'unimrcp:aliyun',
    params: { 'start-input-timers': 'false', 'no-input-timeout': '6000', 'recognition-timeout': String(RECOGNITION_TIMEOUT_MS) },
    grammar: 'builtin:speech/transcribe',
  });
  t.equal(transcript.variables.playback_terminators, undefined, 'unset again');
});

t.test('a key barges in: one key for a menu, the rest of a ticket number as keys', async (t) => {
  const { inputs, transcript } = await runTurns(
    t,
    { ...base, asr: ASR },
    (ch) => [gatherTurn(ch, 1), gatherTurn(ch, 2, { minDigits: 12, maxDigits: 16, finishOnKey: '#', timeoutSec: 10 }), gatherTurn(ch, 3, { minDigits: 12, maxDigits: 16, finishOnKey: '#' })],
    { callerNumber: '13800000000', speech: [{ press: '4' }, { press: '2' }, { press: '#' }], digits: ['02611260007'] },
  );
  t.same(inputs, [{ digits: '4' }, { digits: '202611260007' }, { digits: '#' }]);
  const pgd = transcript.executes.filter((e) => e.app === 'play_and_get_digits');
  t.equal(pgd.length, 1, 'the finishing key alone needs no more keys');
  const a = splitArgs(pgd[0]!.arg);
  t.same([a[0], a[1], a[3], a[4], a[5]], ['11', '15', '10000', '#', 'silence_stream://250']);
  t.equal(transcript.variables.playback_terminator_used, '#');
  // The rest of the number is collected at once, before anything else goes to the switch.
  const second = transcript.executes.findIndex((e) => e.app === 'play_and_get_digits');
  t.same(transcript.executes.slice(second - 1, second + 2).map((e) => e.app), ['play_and_detect_speech', 'play_and_get_digits', 'unset']);
});

t.test('junk and recognizer errors are no input', async (t) => {
  const seen: string[] = [];
  const { inputs } = await runTurns(
    t,
    { ...base, asr: ASR, recognized: (r) => seen.push(r.kind) },
    (ch) => [gatherTurn(ch, 1), gatherTurn(ch, 2)],
    { callerNumber: '13800000000', speech: [{ raw: '<result><interpretation><input>停水</inp' }, { completionCause: '006' }] },
  );
  t.same(inputs, [{}, {}]);
  t.same(seen, ['junk', 'error']);
});

t.test('an engine that does not start: the same gather with keys, and the failure reported', async (t) => {
  const fallbacks: string[] = [];
  const { inputs, apps, transcript } = await runTurns(
    t,
    { ...base, asr: { engine: 'unimrcp:nowhere', grammar: 'x' }, speechFallback: (why, detail) => fallbacks.push(`${why}:${detail}`) },
    (ch) => [gatherTurn(ch, 1)],
    { callerNumber: '13800000000', speech: [{ fail: 'ASR INIT ERROR' }], digits: ['3'] },
  );
  t.same(inputs, [{ digits: '3' }]);
  t.same(fallbacks, ['engine_failed:ASR INIT ERROR']);
  t.same(apps.slice(-3), ['play_and_detect_speech', 'unset', 'play_and_get_digits']);
  t.equal(splitArgs(transcript.executes.at(-1)!.arg)[5], 'say:紧急事项请按1，或直接说出您的诉求', 'the prompt is played with the keys');
});

t.test('no engine configured: keys only, as before, and the caller of executeTurn is told', async (t) => {
  const fallbacks: string[] = [];
  const { inputs, apps } = await runTurns(t, { ...base, speechFallback: (why) => fallbacks.push(why) }, (ch) => [gatherTurn(ch, 1), gatherTurn(ch, 2, { speech: false })], {
    callerNumber: '13800000000',
    digits: ['1', '2'],
    speech: [{ say: '不会被听到' }],
  });
  t.same(inputs, [{ digits: '1' }, { digits: '2' }]);
  t.same(fallbacks, ['not_configured']);
  t.same(apps, ['set', 'set', 'play_and_get_digits', 'play_and_get_digits']);
});

// --- configuration --------------------------------------------------------------------------

t.test('SUBAN_FS_ASR_ENGINE / SUBAN_FS_ASR_GRAMMAR', async (t) => {
  t.same(loadConfig({}).freeswitch.asr, { engine: '', grammar: 'builtin:speech/transcribe' });
  t.same(loadConfig({ SUBAN_FS_ASR_ENGINE: 'unimrcp:aliyun-asr', SUBAN_FS_ASR_GRAMMAR: '{speech-language=zh-CN}builtin:speech/transcribe' }).freeswitch.asr, {
    engine: 'unimrcp:aliyun-asr',
    grammar: '{speech-language=zh-CN}builtin:speech/transcribe',
  });
  t.equal(loadConfig({ SUBAN_FS_ASR_ENGINE: 'pocketsphinx' }).freeswitch.asr.engine, 'pocketsphinx');
  t.throws(() => loadConfig({ SUBAN_FS_ASR_ENGINE: 'unimrcp aliyun' }), /SUBAN_FS_ASR_ENGINE/);
  t.throws(() => loadConfig({ SUBAN_FS_ASR_ENGINE: '${asr}' }), /SUBAN_FS_ASR_ENGINE/);
  t.throws(() => loadConfig({ SUBAN_FS_ASR_GRAMMAR: '' }), /SUBAN_FS_ASR_GRAMMAR/);
  t.throws(() => loadConfig({ SUBAN_FS_ASR_GRAMMAR: 'builtin:x ${y}' }), /SUBAN_FS_ASR_GRAMMAR/);
  t.throws(() => loadConfig({ SUBAN_FS_ASR_GRAMMAR: '{a=1}{b=2}g' }), /SUBAN_FS_ASR_GRAMMAR/);
});
