/**
 * Plays one IVR Turn on a FreeSWITCH call: the instructions run one by one and the result of the
 * input point the Turn ends at becomes the CallInput handed back to the runner.
 *
 * The only tie to the runner is the instruction types; a CallHungUpError from the channel is left
 * to the caller, which should tell the runner the call ended.
 */
import type { CallInput, DialResult, GatherInstruction, Instruction, PromptInstruction, QueueInstruction, QueueResult, RecordInstruction, Turn } from '../../src/application/ivr/instructions.js';
import type { CallChannel, Prompt } from './outbound-server.js';
import { dialString } from './originate.js';
import { parseDetectSpeechResult, type AsrResult } from './nlsml.js';

export interface RenderOptions {
  /** Where a recording is written on the FreeSWITCH host, per call. */
  recordingPath: (callId: string, turnId: number) => string;
  /** How the runner will fetch it (e.g. an HTTP path served by the app); default: the file path. */
  recordingUrl?: (path: string) => string;
  /** Both at once (e.g. an http_cache:// upload target and the /media/ URL); takes precedence over the two above. */
  recordingTarget?: (callId: string, turnId: number, r: RecordInstruction) => { path: string; url: string };
  /** Runs once a recording has completed (the switch has closed, and uploaded, the file). */
  recorded?: (target: { path: string; url: string }) => Promise<void> | void;
  /** Dialled for plain numbers in `dial`. */
  gateway?: string;
  /** Application and argument that put the caller in an operator queue; default mod_callcenter. */
  queueApp?: (q: QueueInstruction) => { app: string; arg: string };
  /** Speech recognition for gathers that allow speech (play_and_detect_speech); without it they take keys only. */
  asr?: AsrOptions | null;
  /** A gather allowed speech but took keys only: no engine configured, or the engine failed (its Application-Response). */
  speechFallback?: (why: 'not_configured' | 'engine_failed', detail: string) => void;
  /** What the recognizer made of a speech gather, for the log (the caller's words must not be logged). */
  recognized?: (r: AsrResult) => void;
  /** A queued caller was bridged to an operator (mod_callcenter's agent name), as it happens. */
  agentBridged?: (callId: string, agent: string) => void;
}

export interface AsrOptions {
  /** `detect:<engine>`: the ASR module, and for mod_unimrcp the MRCP profile, e.g. `unimrcp:aliyun`, `pocketsphinx`. */
  engine: string;
  /** The grammar the recognizer gets, e.g. `builtin:speech/transcribe`; may start with `{name=value,…}` recognizer parameters. */
  grammar: string;
}

/**
 * What a recognizer's no-match becomes: an entry no branch key and no digit pattern accepts, so the
 * flow takes its invalid path (with its retries) as for a wrong key. Twilio has no such answer.
 */
export const NO_MATCH_INPUT: CallInput = { digits: '?' };

/** Longest a caller may speak in one answer (MRCP Recognition-Timeout); the RFC's default of 10 s cuts descriptions short. */
export const RECOGNITION_TIMEOUT_MS = 30_000;

const BEEP = 'tone_stream://%(400,0,800)';

/** A file the switch can play: local files as they are, web URLs through mod_http_cache. */
function playable(p: PromptInstruction): string {
  if (p.kind === 'say') return p.file ?? `say:${p.text.replace(/[\r\n]+/g, ' ')}`;
  return /^https?:\/\//.test(p.url) ? `http_cache://${p.url}` : p.url;
}

async function playPrompt(ch: CallChannel, p: PromptInstruction): Promise<void> {
  const times = p.kind === 'play' ? Math.max(1, p.loop ?? 1) : 1;
  for (let i = 0; i < times; i++) await ch.playback(asPrompt(p));
}

function asPrompt(p: PromptInstruction): Prompt {
  return p.kind === 'say' && !p.file ? { text: p.text } : { file: playable(p) };
}

const SILENCE = 'silence_stream://250';

/** play_and_get_digits and play_and_detect_speech take one file: several prompts are joined into a file_string. */
async function promptFile(ch: CallChannel, prompt: PromptInstruction[]): Promise<string> {
  const files: string[] = [];
  for (const p of prompt) files.push(await ch.promptTarget(asPrompt(p)));
  return files.length === 0 ? SILENCE : files.length === 1 ? files[0]! : `file_string://${files.join('!')}`;
}

async function collectDigits(ch: CallChannel, g: Pick<GatherInstruction, 'timeoutSec' | 'finishOnKey'>, min: number, max: number, file: string): Promise<string> {
  return ch.playAndGetDigits({
    min,
    max,
    tries: 1, // retries are the flow's business
    timeoutMs: g.timeoutSec * 1000,
    terminators: g.finishOnKey,
    prompt: { file },
    varName: 'suban_digits',
    regexp: '[0-9*#]+',
  });
}

async function gather(ch: CallChannel, g: GatherInstruction, opts: RenderOptions): Promise<CallInput> {
  const file = await promptFile(ch, g.prompt);
  if (g.speech) {
    if (opts.asr) {
      const heard = await detectSpeech(ch, g, file, opts.asr, opts);
      if (heard) return heard;
    } else {
      opts.speechFallback?.('not_configured', '');
    }
  }
  return { digits: await collectDigits(ch, g, g.minDigits, g.maxDigits, file) };
}

/** Channels whose ASR port is already set to close after each recognition. */
const asrCloseSet = new WeakSet<CallChannel>();

/**
 * `<file> detect:<engine> {params}<grammar>`: mod_dptools splits at the first `detect:` and then at
 * the first space, so the prompt may hold spaces but not `detect:` itself.
 */
export function detectSpeechArg(file: string, g: Pick<GatherInstruction, 'timeoutSec'>, asr: AsrOptions): string {
  // The input timers start when the prompt has played, so the gather's timeout counts from there, as with keys.
  const params = ['start-input-timers=false', `no-input-timeout=${Math.max(1, g.timeoutSec) * 1000}`, `recognition-timeout=${RECOGNITION_TIMEOUT_MS}`];
  let grammar = asr.grammar;
  const own = /^\{([^{}]*)\}(.*)$/.exec(grammar);
  if (own) {
    // The site's own parameters come last: the recognizer takes the last value of a name.
    params.push(...own[1]!.split(',').filter((p) => p.trim() !== ''));
    grammar = own[2]!;
  }
  return `${file.replace(/detect:/gi, 'detect：')} detect:${asr.engine} {${params.join(',')}}${grammar}`;
}

/**
 * One speech gather: the prompt plays while the recognizer listens; a key (any, through
 * playback_terminators) ends it as `DIGIT: x`. Null when the engine failed to start: the caller
 * then gets the same gather with keys only.
 */
async function detectSpeech(ch: CallChannel, g: GatherInstruction, file: string, asr: AsrOptions, opts: RenderOptions): Promise<CallInput | null> {
  if (!asrCloseSet.has(ch)) {
    asrCloseSet.add(ch);
    // An MRCP port is a licence: give it back after each recognition instead of holding it for the whole call (queue included).
    await ch.setVariable('play_and_detect_speech_close_asr', 'true');
  }
  await ch.setVariable('playback_terminators', 'any');
  const done = await ch.execute('play_and_detect_speech', detectSpeechArg(file, g, asr));
  const input = await heard(ch, g, done, opts);
  // After the rest of a barged-in entry (the sooner its keys are collected the better), so that
  // later prompts and recordings keep their own keys.
  await ch.execute('unset', 'playback_terminators');
  return input;
}

async function heard(ch: CallChannel, g: GatherInstruction, done: Record<string, string>, opts: RenderOptions): Promise<CallInput | null> {
  const response = done['Application-Response'] ?? '';
  if (/ERROR/i.test(response)) {
    opts.speechFallback?.('engine_failed', response);
    return null;
  }
  const result = parseDetectSpeechResult(done.variable_detect_speech_result);
  opts.recognized?.(result);
  switch (result.kind) {
    case 'speech':
      return { speech: result.text };
    case 'dtmf':
      return { digits: result.bargeIn ? await restOfKeys(ch, g, result.digits) : result.digits };
    case 'nomatch':
      return { ...NO_MATCH_INPUT };
    default:
      // no input, a recognizer error, junk: the flow's no-input path
      return {};
  }
}

/** A key that barged in is only the first of an entry like a ticket number: the rest comes as keys. */
async function restOfKeys(ch: CallChannel, g: GatherInstruction, first: string): Promise<string> {
  if (g.maxDigits <= 1 || (g.finishOnKey !== '' && first === g.finishOnKey)) return first;
  return first + (await collectDigits(ch, g, Math.max(1, g.minDigits - 1), g.maxDigits - 1, SILENCE));
}

async function record(ch: CallChannel, r: RecordInstruction, path: string, url: string): Promise<CallInput> {
  if (r.finishOnKey) await ch.setVariable('playback_terminators', r.finishOnKey);
  if (r.beep) await ch.playback({ file: BEEP });
  const result = await ch.record(path, r.maxLengthSec, 200, Math.max(1, r.silenceTimeoutSec));
  return { recordingUrl: url, ...(result.durationMs !== null ? { recordingDurationSec: Math.round(result.durationMs / 1000) } : {}) };
}

async function queue(ch: CallChannel, q: QueueInstruction, opts: RenderOptions): Promise<CallInput> {
  await ch.setVariable('suban_queue_priority', String(q.priority));
  await ch.setVariable('suban_screen_pop_call', q.screenPop.callId);
  const { app, arg } = opts.queueApp?.(q) ?? { app: 'callcenter', arg: q.name };
  // The queue application returns only when the conversation is over; the bridge is the pickup.
  const bridged = opts.agentBridged;
  const off = bridged
    ? ch.onEvent('CHANNEL_BRIDGE', (h) => {
        const agent = h.variable_cc_agent || h['Other-Leg-Caller-ID-Number'];
        if (agent) bridged(q.screenPop.callId, agent);
      })
    : null;
  let done: Awaited<ReturnType<CallChannel['execute']>>;
  try {
    done = await ch.execute(app, arg);
  } finally {
    off?.();
  }
  let queueResult: QueueResult = 'error';
  if (done.variable_cc_agent || done.variable_bridge_hangup_cause) queueResult = 'bridged';
  else if (/TIMEOUT/.test(done.variable_cc_cancel_reason ?? '')) queueResult = 'timeout';
  return { queueResult };
}

async function dial(ch: CallChannel, d: { number: string; timeoutSec: number; callerId?: string }, gateway?: string): Promise<CallInput> {
  const vars = [`originate_timeout=${d.timeoutSec}`, ...(d.callerId && /^\+?\d+$/.test(d.callerId) ? [`origination_caller_id_number=${d.callerId}`] : [])];
  const { ok, cause } = await ch.bridge(`{${vars.join(',')}}${dialString(d.number, gateway)}`);
  const dialResult: DialResult = ok ? 'answered' : cause === 'NO_ANSWER' ? 'no-answer' : cause === 'USER_BUSY' ? 'busy' : 'failed';
  return { dialResult };
}

/** Runs the Turn; resolves with the input for `resume` (empty after a final hangup). */
export async function executeTurn(ch: CallChannel, turn: Turn, opts: RenderOptions): Promise<CallInput> {
  let input: CallInput = {};
  for (const ins of turn.instructions as Instruction[]) {
    switch (ins.kind) {
      case 'say':
      case 'play':
        await playPrompt(ch, ins);
        break;
      case 'gather':
        input = await gather(ch, ins, opts);
        break;
      case 'record': {
        const path = opts.recordingPath(turn.callId, turn.turnId);
        const target = opts.recordingTarget?.(turn.callId, turn.turnId, ins) ?? { path, url: opts.recordingUrl?.(path) ?? path };
        input = await record(ch, ins, target.path, target.url);
        await opts.recorded?.(target);
        break;
      }
      case 'queue':
        input = await queue(ch, ins, opts);
        break;
      case 'dial':
        input = await dial(ch, ins, opts.gateway);
        break;
      case 'hangup':
        await ch.hangup();
        return {};
    }
  }
  return input;
}
