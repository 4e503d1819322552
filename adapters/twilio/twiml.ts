/**
 * IVR Turns as TwiML, built with the SDK. Every action URL carries the CallSid and the turn it
 * answers, so a callback Twilio retries lands on the same turn and gets the same answer.
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

function queue(r: VoiceResponse, q: QueueInstruction, publicUrl: string, turn: Turn): void {
  const wait = callbackUrl(publicUrl, 'wait', turn, { limit: String(q.timeLimitSec), ...(q.holdMusic ? { music: q.holdMusic } : {}) });
  r.enqueue({ action: callbackUrl(publicUrl, 'queue', turn), method: 'POST', waitUrl: wait, waitUrlMethod: 'POST' }, q.name);
}

export function renderTurn(turn: Turn, publicUrl: string): string {
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
  const r = new twilio.twiml.VoiceResponse();
  r.say(sayAttrs(SAY_LANGUAGE, undefined), text);
  r.hangup();
  return r.toString();
}

export function emptyTwiml(): string {
  return new twilio.twiml.VoiceResponse().toString();
}

/** waitUrl of `<Enqueue>`: hold music until the flow's time limit, then `<Leave>` back to the flow. */
export function waitTwiml(queueTimeSec: number, limitSec: number, music?: string): string {
  const r = new twilio.twiml.VoiceResponse();
  if (queueTimeSec >= limitSec) {
    r.leave();
    return r.toString();
  }
  if (music) r.play({}, music);
  else {
    if (queueTimeSec < 1) r.say(sayAttrs(SAY_LANGUAGE, undefined), '您的来电正在排队，请稍候。');
    r.pause({ length: Math.max(1, Math.min(10, Math.ceil(limitSec - queueTimeSec))) });
  }
  return r.toString();
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
