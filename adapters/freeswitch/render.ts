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
}

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

async function gather(ch: CallChannel, g: GatherInstruction): Promise<CallInput> {
  // play_and_get_digits takes one file: several prompts are joined into a file_string.
  const files: string[] = [];
  for (const p of g.prompt) files.push(await ch.promptTarget(asPrompt(p)));
  const file = files.length === 0 ? 'silence_stream://250' : files.length === 1 ? files[0]! : `file_string://${files.join('!')}`;
  const digits = await ch.playAndGetDigits({
    min: g.minDigits,
    max: g.maxDigits,
    tries: 1, // retries are the flow's business
    timeoutMs: g.timeoutSec * 1000,
    terminators: g.finishOnKey,
    prompt: { file },
    varName: 'suban_digits',
    regexp: '[0-9*#]+',
  });
  return { digits };
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
  const done = await ch.execute(app, arg);
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
        input = await gather(ch, ins);
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
