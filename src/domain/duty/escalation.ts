/**
 * Escalation chains: who is paged after whom, over which channel, and how long to wait.
 * A chain is copied onto a page when it starts, so later edits never change a running page.
 */
import { invalid } from '../errors.js';
import { isReachablePhone } from './roster.js';

export const TARGETS = ['duty', 'person', 'unit_head', 'hotline_duty', 'city_duty'] as const;
export type TargetKind = (typeof TARGETS)[number];
export const TARGET_LABELS: Record<TargetKind, string> = { duty: '值班人员', person: '指定人员', unit_head: '单位负责人', hotline_duty: '热线办值班室', city_duty: '市政府值班室' };

export const PAGE_CHANNELS = ['call', 'sms', 'wechat'] as const;
export type PageChannel = (typeof PAGE_CHANNELS)[number];

/** The duty offices that can hold the last, repeating step. */
const OFFICE_TARGETS: TargetKind[] = ['hotline_duty', 'city_duty'];

/**
 * Whether a page reached someone who answers for the ticket's unit (its duty person, head or a
 * named person of its chain) rather than the hotline office's or the city's duty officer, who take
 * the matter on but cannot accept it (签收) for the unit.
 */
export const speaksForUnit = (target: TargetKind): boolean => !OFFICE_TARGETS.includes(target);

export interface EscalationStep {
  target: TargetKind;
  /** for target `person` */
  person?: { name: string; phone: string; wechat?: string | null };
  channel: PageChannel;
  /** how long to wait for an acknowledgement after the step's last attempt */
  ackTimeoutSec: number;
  /** calls or messages in this step (e.g. 2 calls) */
  attempts: number;
  /** pause between attempts, counted from the end of a call that did not reach anyone */
  gapSec: number;
  /** the final step repeats until someone acknowledges */
  repeat?: boolean;
}

export interface EscalationChain {
  unit: string;
  steps: EscalationStep[];
  /** also page when an ordinary ticket is not signed by its sign deadline */
  pageOnSignOverdue: boolean;
  version: number;
  updatedAt: string;
}

export type ChainInput = { steps: Partial<EscalationStep>[]; pageOnSignOverdue?: boolean };

export const DEFAULT_ACK_TIMEOUT_SEC = 300;
export const DEFAULT_GAP_SEC = 60;

export function validateChain(unit: string, input: ChainInput, version: number, at: Date): EscalationChain {
  const steps = input.steps ?? [];
  if (!steps.length) throw invalid('empty_chain', '升级链至少需要一步', { field: 'steps' });
  const out = steps.map((s, i): EscalationStep => {
    const n = i + 1;
    if (!s.target || !TARGETS.includes(s.target)) throw invalid('bad_step', `第${n}步的呼叫对象无效`, { field: `steps.${i}.target` });
    if (!s.channel || !PAGE_CHANNELS.includes(s.channel)) throw invalid('bad_step', `第${n}步的呼叫方式应为 call、sms 或 wechat`, { field: `steps.${i}.channel` });
    const ackTimeoutSec = s.ackTimeoutSec ?? DEFAULT_ACK_TIMEOUT_SEC;
    const attempts = s.attempts ?? 1;
    const gapSec = s.gapSec ?? DEFAULT_GAP_SEC;
    if (!Number.isInteger(ackTimeoutSec) || ackTimeoutSec < 30 || ackTimeoutSec > 3600) throw invalid('bad_step', `第${n}步的确认等待时间应为 30–3600 秒`, { field: `steps.${i}.ackTimeoutSec` });
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > 5) throw invalid('bad_step', `第${n}步的呼叫次数应为 1–5`, { field: `steps.${i}.attempts` });
    if (!Number.isInteger(gapSec) || gapSec < 0 || gapSec > 1800) throw invalid('bad_step', `第${n}步的重呼间隔应为 0–1800 秒`, { field: `steps.${i}.gapSec` });
    const step: EscalationStep = { target: s.target, channel: s.channel, ackTimeoutSec, attempts, gapSec };
    if (s.target === 'person') {
      if (!s.person?.name?.trim() || !isReachablePhone(s.person.phone)) throw invalid('bad_step', `第${n}步指定人员需要姓名和有效电话`, { field: `steps.${i}.person` });
      step.person = { name: s.person.name.trim(), phone: s.person.phone.replace(/[\s-]/g, ''), ...(s.person.wechat ? { wechat: s.person.wechat } : {}) };
    }
    const last = i === steps.length - 1;
    if (last) {
      if (!s.repeat) throw invalid('final_step_must_repeat', '升级链的最后一步必须重复呼叫(值班室),直到有人确认', { field: `steps.${i}.repeat` });
      if (!OFFICE_TARGETS.includes(s.target)) throw invalid('final_step_must_repeat', '升级链的最后一步应为热线办值班室或市政府值班室', { field: `steps.${i}.target` });
      step.repeat = true;
    } else if (s.repeat) throw invalid('bad_step', '只有最后一步可以重复', { field: `steps.${i}.repeat` });
    return step;
  });
  return { unit, steps: out, pageOnSignOverdue: !!input.pageOnSignOverdue, version, updatedAt: at.toISOString() };
}

/** Two calls to the duty person a minute apart, the unit head, then the hotline duty office until acknowledged. */
export function defaultChain(unit: string, at: Date): EscalationChain {
  return validateChain(
    unit,
    {
      steps: [
        { target: 'duty', channel: 'call', attempts: 2, gapSec: 60, ackTimeoutSec: 300 },
        { target: 'duty', channel: 'sms', attempts: 1, ackTimeoutSec: 300 },
        { target: 'unit_head', channel: 'call', attempts: 2, gapSec: 60, ackTimeoutSec: 300 },
        { target: 'hotline_duty', channel: 'call', attempts: 1, gapSec: 60, ackTimeoutSec: 300, repeat: true },
      ],
    },
    0,
    at,
  );
}

/** For a 即办 ticket nobody dispatched yet: the hotline duty office must dispatch it. */
export function officeChain(at: Date): EscalationChain {
  return validateChain('', { steps: [{ target: 'hotline_duty', channel: 'call', attempts: 1, gapSec: 60, ackTimeoutSec: 300, repeat: true }] }, 0, at);
}

export interface Position {
  /** 1-based */
  step: number;
  /** 1-based */
  attempt: number;
}

/** The attempt after `p`; the final step repeats for ever. */
export function nextPosition(steps: EscalationStep[], p: Position): Position {
  const s = steps[p.step - 1];
  if (s.repeat) return { step: p.step, attempt: p.attempt + 1 };
  if (p.attempt < s.attempts) return { step: p.step, attempt: p.attempt + 1 };
  return { step: p.step + 1, attempt: 1 };
}

/** The first attempt of the following step (a "9, pass it on" keypress, or escalation by hand). */
export function nextStep(steps: EscalationStep[], p: Position): Position {
  if (p.step >= steps.length) return { step: steps.length, attempt: p.attempt + 1 };
  return { step: p.step + 1, attempt: 1 };
}

/**
 * How long after an attempt went out the next one is due if nothing else happens (no ack, and
 * no call outcome arrives): the gap between attempts of a step, else the ack timeout. A call's
 * "not reached" outcome brings this forward (see `waitAfterNotReached`).
 */
export function waitAfterAttempt(steps: EscalationStep[], p: Position): number {
  const s = steps[p.step - 1];
  if (s.channel === 'call') return s.ackTimeoutSec;
  const next = nextPosition(steps, p);
  return next.step === p.step && !s.repeat ? s.gapSec : s.ackTimeoutSec;
}

/** After a call that reached nobody: the gap within a step (and between repeats), at once to the next step. */
export function waitAfterNotReached(steps: EscalationStep[], p: Position): number {
  const s = steps[p.step - 1];
  const next = nextPosition(steps, p);
  return next.step === p.step ? s.gapSec : 0;
}
