/**
 * IVR Turns as TwiML, built with the SDK. Every action URL carries the CallSid and the turn it
 * answers, so a callback Twilio retries lands on the same turn and gets the same answer.
 *
 * The SDK's xmlbuilder costs more than the rest of a webhook together, and most turns are the
 * same for every call (the welcome and the main menu) but for the CallSid in the action URLs.
 * So a turn is built once with a placeholder CallSid and reused with the real one put in; the
 * memo key is everything the TwiML is built from (see `renderTurn`).
 */
import twilio from 'twilio';
import type { CallInput, DialResult, GatherInstruction, Instruction, PromptInstruction, QueueInstruction, QueueResult, Turn } from '../../src/application/ivr/instructions.js';

type VoiceResponse = InstanceType<typeof twilio.twiml.VoiceResponse>;
type SayAttrs = Parameters<VoiceResponse['say']>[0];

export type CallbackKind = 'gather' | 'record' | 'queue' | 'dial';

/** `<Gather language>` wants a speech-recognition locale; Mandarin is cmn-Hans-CN there, not zh-CN. */
export const GATHER_LANGUAGE = 'cmn-Hans-CN';
export const SAY_LANGUAGE = 'cmn-CN';
const SORRY = '对不起，系统暂时无法处理您的来电，请稍后再拨。';

export function callbackUrl(publicUrl: string, kind: CallbackKind | 'wait', turn: Pick<Turn, 'callId' | 'turnId'>, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ callSid: turn.callId, turn: String(turn.turnId), ...extra });
  return `${publicUrl}/twilio/${kind}?${q.toString()}`;
}

function sayAttrs(language: string | undefined, voice: string | undefined): SayAttrs {
  // Flows speak Mandarin; Twilio knows it as cmn-CN.
  const lang = !language || /^(zh|cmn)/i.test(language) ? SAY_LANGUAGE : language;
  return { language: lang as SayAttrs['language'], ...(voice ? { voice: voice as SayAttrs['voice'] } : {}) };
}

function prompt(into: { say: VoiceResponse['say']; play: VoiceResponse['play'] }, p: PromptInstruction): void {
  if (p.kind === 'play') into.play({ ...(p.loop ? { loop: p.loop } : {}) }, p.url);
  else if (p.file && /^https?:\/\//.test(p.file)) into.play({}, p.file);
  else into.say(sayAttrs(p.language, p.voice), p.text);
}

function gather(r: VoiceResponse, g: GatherInstruction, action: string): void {
  const el = r.gather({
    input: g.speech ? ['dtmf', 'speech'] : ['dtmf'],
    numDigits: g.maxDigits,
    timeout: g.timeoutSec,
    finishOnKey: g.finishOnKey,
    action,
    method: 'POST',
    // Silence must reach the flow too: its no-input branch decides what happens next.
    actionOnEmptyResult: true,
    ...(g.speech ? { language: GATHER_LANGUAGE, speechTimeout: 'auto', ...(g.speech.hints.length ? { hints: g.speech.hints.join(',') } : {}) } : {}),
  });
  for (const p of g.prompt) prompt(el, p);
}

// The memo key of a turn leaves `screenPop` out (it is per call and not rendered): render nothing from it here.
function queue(r: VoiceResponse, q: QueueInstruction, publicUrl: string, turn: Turn): void {
  const wait = callbackUrl(publicUrl, 'wait', turn, { limit: String(q.timeLimitSec), ...(q.holdMusic ? { music: q.holdMusic } : {}) });
  r.enqueue({ action: callbackUrl(publicUrl, 'queue', turn), method: 'POST', waitUrl: wait, waitUrlMethod: 'POST' }, q.name);
}

/** Bounded memo of rendered TwiML; turns that embed call data (a ticket number) just pass through it. */
class TwimlMemo {
  private readonly map = new Map<string, string[]>();
  constructor(private readonly max: number) {}

  get(key: string, build: () => string[]): string[] {
    let v = this.map.get(key);
    if (v === undefined) {
      v = build();
      if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
      this.map.set(key, v);
    }
    return v;
  }
}

const turnMemo = new TwimlMemo(512);
const fixedMemo = new TwimlMemo(64);

/**
 * Stands for the CallSid in a memoised turn. Letters and digits only, so it (and a CallSid of
 * the same alphabet) reads the same URL-encoded and XML-escaped and can be swapped in the text.
 */
const CALL_PLACEHOLDER = 'CAxTwimlMemoCallSidPlaceholderx';
const PLAIN_SID = /^[0-9A-Za-z]+$/;
const notRendered = (k: string, v: unknown) => (k === 'screenPop' ? undefined : v);

export function renderTurn(turn: Turn, publicUrl: string): string {
  if (!PLAIN_SID.test(turn.callId)) return buildTurn(turn, publicUrl);
  // Everything the TwiML is built from but the CallSid: instructions (their text already holds
  // any variable of this call), turn id, public URL.
  const shape = turn.instructions.some((i) => i.kind === 'queue') ? JSON.stringify(turn.instructions, notRendered) : JSON.stringify(turn.instructions);
  const key = `${turn.turnId}\n${publicUrl}\n${shape}`;
  if (key.includes(CALL_PLACEHOLDER)) return buildTurn(turn, publicUrl);
  return turnMemo.get(key, () => buildTurn({ ...turn, callId: CALL_PLACEHOLDER }, publicUrl).split(CALL_PLACEHOLDER)).join(turn.callId);
}

function buildTurn(turn: Turn, publicUrl: string): string {
  const r = new twilio.twiml.VoiceResponse();
  for (const ins of turn.instructions as Instruction[]) {
    switch (ins.kind) {
      case 'say':
      case 'play':
        prompt(r, ins);
        break;
      case 'gather':
        gather(r, ins, callbackUrl(publicUrl, 'gather', turn));
        break;
      case 'record': {
        const action = callbackUrl(publicUrl, 'record', turn);
        r.record({ action, method: 'POST', maxLength: ins.maxLengthSec, timeout: ins.silenceTimeoutSec, playBeep: ins.beep, trim: 'trim-silence', ...(ins.finishOnKey ? { finishOnKey: ins.finishOnKey } : {}) });
        // Twilio skips the action of an empty recording and runs the next verb: tell the flow.
        r.redirect({ method: 'POST' }, callbackUrl(publicUrl, 'record', turn, { empty: '1' }));
        break;
      }
      case 'queue':
        queue(r, ins, publicUrl, turn);
        break;
      case 'dial':
        r.dial({ action: callbackUrl(publicUrl, 'dial', turn), method: 'POST', timeout: ins.timeoutSec, ...(ins.callerId ? { callerId: ins.callerId } : {}) }, ins.number);
        break;
      case 'hangup':
        r.hangup();
        break;
    }
  }
  return r.toString();
}

/** The answer when a request cannot be tied to a call: apologise and end it, never an error page. */
export function sorryTwiml(text = SORRY): string {
  return fixedMemo.get(`sorry\n${text}`, () => {
    const r = new twilio.twiml.VoiceResponse();
    r.say(sayAttrs(SAY_LANGUAGE, undefined), text);
    r.hangup();
    return [r.toString()];
  })[0]!;
}

export function emptyTwiml(): string {
  return fixedMemo.get('empty', () => [new twilio.twiml.VoiceResponse().toString()])[0]!;
}

/** waitUrl of `<Enqueue>`: hold music until the flow's time limit, then `<Leave>` back to the flow. */
export function waitTwiml(queueTimeSec: number, limitSec: number, music?: string): string {
  if (queueTimeSec >= limitSec) {
    return fixedMemo.get('leave', () => {
      const r = new twilio.twiml.VoiceResponse();
      r.leave();
      return [r.toString()];
    })[0]!;
  }
  const greet = !music && queueTimeSec < 1;
  const pause = music ? 0 : Math.max(1, Math.min(10, Math.ceil(limitSec - queueTimeSec)));
  return fixedMemo.get(`wait\n${greet}\n${pause}\n${music ?? ''}`, () => {
    const r = new twilio.twiml.VoiceResponse();
    if (music) r.play({}, music);
    else {
      if (greet) r.say(sayAttrs(SAY_LANGUAGE, undefined), '您的来电正在排队，请稍候。');
      r.pause({ length: pause });
    }
    return [r.toString()];
  })[0]!;
}

const QUEUE_RESULTS: Record<string, QueueResult> = {
  bridged: 'bridged',
  leave: 'timeout',
  'queue-full': 'full',
  hangup: 'hangup',
  redirected: 'error',
  error: 'error',
  'system-error': 'error',
};

const DIAL_RESULTS: Record<string, DialResult> = {
  completed: 'answered',
  answered: 'answered',
  'no-answer': 'no-answer',
  busy: 'busy',
  failed: 'failed',
  canceled: 'failed',
};

/** A callback's form parameters as the runner's CallInput. */
export function inputFrom(kind: CallbackKind, p: Record<string, string | undefined>, empty: boolean): CallInput {
  switch (kind) {
    case 'gather':
      return { ...(p.Digits ? { digits: p.Digits } : {}), ...(p.SpeechResult ? { speech: p.SpeechResult } : {}) };
    case 'record': {
      if (empty || !p.RecordingUrl) return { recordingDurationSec: 0 };
      const sec = Number(p.RecordingDuration);
      return { recordingUrl: p.RecordingUrl, ...(Number.isFinite(sec) ? { recordingDurationSec: sec } : {}) };
    }
    case 'queue':
      return { queueResult: QUEUE_RESULTS[p.QueueResult ?? ''] ?? 'error' };
    case 'dial':
      return { dialResult: DIAL_RESULTS[p.DialCallStatus ?? ''] ?? 'failed' };
  }
}

/** What an operator hears before the bridge, by the queue the caller waited in. */
const QUEUE_LABELS: Record<string, string> = { urgent: '即办紧急', consult: '咨询', complaint: '投诉求助', general: '人工服务' };

/**
 * The operator's own line (`/twilio/agent`): dial the queue whose front caller waits first by
 * priority. `connectUrl` runs on the caller's leg just before the bridge and names that call.
 */
export function agentTwiml(queue: string, connectUrl: string): string {
  const r = new twilio.twiml.VoiceResponse();
  r.say(sayAttrs(SAY_LANGUAGE, undefined), `正在为您接通${QUEUE_LABELS[queue] ?? ''}来电。`);
  r.dial().queue({ url: connectUrl, method: 'POST' }, queue);
  return r.toString();
}

/**
 * The operator's line while nobody waits: it stays open and asks again every few seconds, so the
 * operator hears the next caller without dialling again (the notice is said once).
 */
export function agentIdleTwiml(againUrl: string, first: boolean): string {
  const r = new twilio.twiml.VoiceResponse();
  if (first) r.say(sayAttrs(SAY_LANGUAGE, undefined), '目前没有等待接听的来电，请保持通话，来电将自动接入。');
  r.pause({ length: 3 });
  r.redirect({ method: 'POST' }, againUrl);
  return r.toString();
}

/** Said to the caller on `<Queue url>`, the moment before an operator is on the line. */
export function connectingTwiml(): string {
  return fixedMemo.get('connecting', () => {
    const r = new twilio.twiml.VoiceResponse();
    r.say(sayAttrs(SAY_LANGUAGE, undefined), '正在为您转接人工坐席，请稍候。');
    return [r.toString()];
  })[0]!;
}
