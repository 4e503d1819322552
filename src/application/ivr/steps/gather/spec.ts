/** gather: a menu (branches by key or words) or free entry of digits, with re-prompts. */
import { isMap, isScalar, isSeq } from 'yaml';
import type { PromptItem, StepCommon } from '../../flow.js';
import { scalarKey, VAR_NAME_RE, type AnyNode, type Opts, type VerbCheck } from '../check.js';

export interface GatherBranch {
  key: string;
  to: string;
  /** what the choice means (即办/紧急); goes into the IVR path the operator sees */
  label?: string;
  /** variables to set when this key is chosen */
  set?: Record<string, string | number | boolean>;
  /** words that pick this branch when speech recognition is on */
  words?: string[];
}

export interface GatherStepSpec extends StepCommon {
  verb: 'gather';
  label?: string;
  prompt: PromptItem[];
  noInputPrompt: PromptItem[];
  invalidPrompt: PromptItem[];
  minDigits: number;
  maxDigits: number;
  /** '' = no finishing key (then # can be a choice) */
  finishOnKey: string;
  timeoutSec: number;
  /** re-prompts after no input / invalid input, before onNoInput / onInvalid */
  retries: number;
  speech: boolean;
  storeAs?: string;
  branches: GatherBranch[];
  /** where accepted digits go when there are no branches (free entry like a ticket number) */
  next?: string;
  /**
   * With speech on a menu: where a caller goes who speaks rather than keys and whose words name
   * no branch (they described their matter). The words are kept in `speech`.
   */
  onSpeech?: string;
  onNoInput: string;
  onInvalid: string;
}

const DTMF_RE = /^[0-9*#]+$/;

export const shorthand = 'prompt';

export function check(c: VerbCheck): GatherStepSpec | undefined {
  const { o } = c;
  const prompt = o.prompt('prompt', true);
  const maxDigits = o.int('maxDigits', 1, 1, 32);
  const minDigits = o.int('minDigits', 1, 1, maxDigits);
  const finishOnKey = o.keys('finishOnKey', '#');
  const branchList = branches(c, o, 'branches', maxDigits, finishOnKey);
  let next: string | undefined;
  if (branchList.length > 0) {
    if (c.nextNode !== undefined) o.r.error(c.nextNode, c.id, 'a gather with branches sends unmatched keys to onInvalid; remove `next`');
  } else {
    next = c.continuation();
  }
  const onNoInput = o.target('onNoInput');
  if (onNoInput === undefined) o.fail('gather has no onNoInput: a caller who presses nothing would be stuck');
  const storeAs = o.varName('storeAs');
  if (storeAs) c.defineVar(storeAs);
  const speech = o.bool('speech', false);
  const onSpeech = o.target('onSpeech');
  if (onSpeech !== undefined && !(speech && branchList.length > 0)) o.fail('onSpeech is for a menu (branches) with speech: true', 'onSpeech');
  return {
    verb: 'gather',
    id: c.id,
    line: c.line,
    label: o.str('label'),
    prompt,
    noInputPrompt: o.prompt('noInputPrompt'),
    invalidPrompt: o.prompt('invalidPrompt'),
    minDigits,
    maxDigits,
    finishOnKey,
    timeoutSec: o.int('timeout', 5, 1, 60),
    retries: o.int('retries', 2, 0, 9),
    speech,
    storeAs,
    branches: branchList,
    next,
    ...(onSpeech !== undefined ? { onSpeech } : {}),
    onNoInput: onNoInput ?? '',
    onInvalid: o.target('onInvalid') ?? onNoInput ?? '',
  };
}

export const targets = (s: GatherStepSpec): string[] => [...s.branches.map((b) => b.to), ...(s.next ? [s.next] : []), ...(s.onSpeech ? [s.onSpeech] : []), s.onNoInput, s.onInvalid];

function branches(c: VerbCheck, o: Opts, key: string, maxDigits: number, finishOnKey: string): GatherBranch[] {
  const n = o.get(key);
  if (n === undefined) return [];
  if (!isMap(n)) {
    o.r.error(n, o.step, '`branches` maps keys to steps: "1": step-id or "1": {to, label, set, words}');
    return [];
  }
  const out: GatherBranch[] = [];
  for (const p of n.items) {
    const k = scalarKey(p);
    if (!DTMF_RE.test(k)) {
      o.r.error(p.key as AnyNode, o.step, `branch key "${k}" must be phone keys (0-9, *, #); quote it: "1"`);
      continue;
    }
    if (k.length > maxDigits) o.r.error(p.key as AnyNode, o.step, `branch "${k}" is longer than maxDigits ${maxDigits}`);
    if (finishOnKey && k.includes(finishOnKey)) o.r.error(p.key as AnyNode, o.step, `branch "${k}" uses the finishOnKey "${finishOnKey}"; set finishOnKey: "" to make it a choice`);
    const v = p.value as AnyNode;
    if (isScalar(v)) {
      const to = o.r.target(v, o.step);
      if (to) out.push({ key: k, to });
      continue;
    }
    if (!isMap(v)) {
      o.r.error(v ?? (p.key as AnyNode), o.step, `branch "${k}" needs a target step`);
      continue;
    }
    const unknown = v.items.map(scalarKey).filter((x) => !['to', 'label', 'set', 'words'].includes(x));
    if (unknown.length) o.r.error(v, o.step, `branch "${k}": unknown option ${unknown.map((u) => `"${u}"`).join(', ')}`);
    const toNode = v.get('to', true) as AnyNode;
    const to = toNode === undefined ? undefined : o.r.target(toNode, o.step);
    if (toNode === undefined) o.r.error(v, o.step, `branch "${k}" needs \`to\``);
    const label = v.get('label');
    const set = setMap(c, o, v.get('set', true) as AnyNode);
    const wordsNode = v.get('words', true) as AnyNode;
    let words: string[] | undefined;
    if (wordsNode !== undefined) {
      if (isSeq(wordsNode) && wordsNode.items.every((w) => isScalar(w) && typeof w.value === 'string')) words = wordsNode.items.map((w) => String((w as { value: unknown }).value));
      else o.r.error(wordsNode, o.step, '`words` must be a list of text');
    }
    if (to) out.push({ key: k, to, ...(typeof label === 'string' ? { label } : {}), ...(set ? { set } : {}), ...(words ? { words } : {}) });
  }
  return out;
}

function setMap(c: VerbCheck, o: Opts, n: AnyNode): Record<string, string | number | boolean> | undefined {
  if (n === undefined) return undefined;
  const out: Record<string, string | number | boolean> = {};
  if (!isMap(n)) {
    o.r.error(n, o.step, '`set` maps variable names to values');
    return undefined;
  }
  for (const p of n.items) {
    const k = scalarKey(p);
    const v = isScalar(p.value) ? p.value.value : undefined;
    if (!VAR_NAME_RE.test(k) || !['string', 'number', 'boolean'].includes(typeof v)) {
      o.r.error(p.key as AnyNode, o.step, `set "${k}": a variable name and a plain value`);
      continue;
    }
    out[k] = v as string | number | boolean;
    c.defineVar(k);
  }
  return out;
}
