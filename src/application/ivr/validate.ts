/**
 * Reads an `ivr-flows/*.yaml` file into a FlowDefinition, or says precisely what is wrong:
 * every error carries the file, the step id and the line, so the CLI can print
 * `hotline.yaml:42 menu: ...` and an editor can jump there.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import {
  BUILTIN_VARS,
  VERBS,
  stepTargets,
  type Condition,
  type FlowDefinition,
  type GatherBranch,
  type PromptItem,
  type StepSpec,
  type Verb,
} from './flow.js';
import { TemplateSyntaxError, parseTemplate, templateVariables } from './template.js';

export interface FlowError {
  file: string;
  line: number;
  /** absent for errors about the file as a whole (syntax, missing start) */
  step?: string;
  message: string;
}

export function formatFlowError(e: FlowError): string {
  return `${e.file}:${e.line}${e.step ? ` ${e.step}` : ''}: ${e.message}`;
}

export interface ValidateOptions {
  /** names the services answer to; when given, an `action` with another name is an error */
  actions?: readonly string[];
}

/** Actions the runner maps onto IvrServices methods itself. */
export const BUILTIN_ACTIONS = ['createTicket', 'lookupTicket'] as const;

export const FLOW_FILE_RE = /\.ya?ml$/;

export function flowNameOf(file: string): string {
  return basename(file, extname(file));
}

const STEP_ID_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;
const VAR_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DTMF_RE = /^[0-9*#]+$/;
const TOP_KEYS = ['description', 'start', 'voice', 'language', 'inputs', 'steps'];
const COMMON_STEP_KEYS = ['next', 'note'];

type AnyNode = Node | Pair['key'] | null | undefined;

interface Ref {
  step: string;
  line: number;
  name: string;
}

export function validateFlowSource(source: string, file: string, opts: ValidateOptions = {}): { flow?: FlowDefinition; errors: FlowError[] } {
  return new FlowReader(source, file, opts).read();
}

/** Checks every flow file of a directory; for the CLI (`suban check-flows`) and the start-up gate. */
export function checkFlows(dir: string, opts: ValidateOptions = {}): { ok: boolean; errors: FlowError[]; flows: string[] } {
  const errors: FlowError[] = [];
  const flows: string[] = [];
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => FLOW_FILE_RE.test(f))
      .sort();
  } catch (e) {
    return { ok: false, errors: [{ file: dir, line: 0, message: `cannot read flow directory: ${(e as Error).message}` }], flows };
  }
  if (files.length === 0) errors.push({ file: dir, line: 0, message: 'no flow files (*.yaml) found' });
  for (const f of files) {
    const path = join(dir, f);
    if (!statSync(path).isFile()) continue;
    const res = validateFlowSource(readFileSync(path, 'utf8'), f, opts);
    errors.push(...res.errors);
    if (res.flow) flows.push(res.flow.name);
  }
  return { ok: errors.length === 0, errors, flows };
}

class FlowReader {
  private readonly lc = new LineCounter();
  private readonly errors: FlowError[] = [];
  private readonly targetRefs: Ref[] = [];
  private readonly varRefs: Ref[] = [];
  private readonly definedVars = new Set<string>(BUILTIN_VARS);

  constructor(
    private readonly source: string,
    private readonly file: string,
    private readonly opts: ValidateOptions,
  ) {}

  lineOf(node: AnyNode): number {
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    return range ? this.lc.linePos(range[0]).line : 1;
  }

  error(node: AnyNode | number, step: string | undefined, message: string): void {
    const line = typeof node === 'number' ? node : this.lineOf(node);
    this.errors.push({ file: this.file, line, ...(step ? { step } : {}), message });
  }

  read(): { flow?: FlowDefinition; errors: FlowError[] } {
    const doc = parseDocument(this.source, { lineCounter: this.lc, prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      for (const e of doc.errors) this.error(e.linePos?.[0]?.line ?? 1, undefined, `YAML: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
      return { errors: this.errors };
    }
    const root = doc.contents;
    if (!isMap(root)) {
      this.error(root, undefined, 'a flow file must be a map with `start` and `steps`');
      return { errors: this.errors };
    }
    for (const p of root.items) {
      const k = scalarKey(p);
      if (!TOP_KEYS.includes(k)) this.error(p.key as AnyNode, undefined, `unknown key "${k}" (allowed: ${TOP_KEYS.join(', ')})`);
    }
    const description = this.optString(root, 'description', undefined);
    const voice = this.optString(root, 'voice', undefined);
    const language = this.optString(root, 'language', undefined) ?? 'cmn-CN';
    const inputs = this.readInputs(root);
    inputs.forEach((v) => this.definedVars.add(v));

    const startNode = root.get('start', true) as AnyNode;
    let start: string | undefined;
    if (startNode === undefined || startNode === null) this.error(1, undefined, 'missing `start`: name the first step');
    else if (!isScalar(startNode) || typeof startNode.value !== 'string') this.error(startNode, undefined, '`start` must be a step id');
    else {
      start = startNode.value;
      this.targetRefs.push({ step: 'start', line: this.lineOf(startNode), name: start });
    }

    const stepsNode = root.get('steps', true) as AnyNode;
    const steps = new Map<string, StepSpec>();
    const declared = new Set<string>();
    if (!isMap(stepsNode) || stepsNode.items.length === 0) {
      this.error(stepsNode ?? 1, undefined, '`steps` must be a non-empty map of step id → step');
    } else {
      const pairs = stepsNode.items;
      const ids = pairs.map((p) => scalarKey(p));
      ids.forEach((id) => declared.add(id));
      pairs.forEach((p, i) => {
        const spec = this.readStep(p, ids[i + 1]);
        if (spec) steps.set(spec.id, spec);
      });
    }

    if (declared.size > 0) this.checkTargets(declared, steps, start);
    this.checkVariables();
    if (this.errors.length > 0 || !start) return { errors: this.sorted() };
    return {
      flow: { name: flowNameOf(this.file), file: this.file, description, start, voice, language, inputs, steps },
      errors: [],
    };
  }

  private sorted(): FlowError[] {
    return [...this.errors].sort((a, b) => a.line - b.line);
  }

  private readInputs(root: YAMLMap): string[] {
    const node = root.get('inputs', true) as AnyNode;
    if (node === undefined) return [];
    if (!isSeq(node) || !node.items.every((i) => isScalar(i) && typeof i.value === 'string' && VAR_NAME_RE.test(i.value))) {
      this.error(node, undefined, '`inputs` must be a list of variable names');
      return [];
    }
    return node.items.map((i) => String((i as { value: unknown }).value));
  }

  private optString(map: YAMLMap, key: string, step: string | undefined): string | undefined {
    const node = map.get(key, true) as AnyNode;
    if (node === undefined || node === null) return undefined;
    if (!isScalar(node) || typeof node.value !== 'string') {
      this.error(node, step, `\`${key}\` must be text`);
      return undefined;
    }
    return node.value;
  }

  private readStep(pair: Pair, following: string | undefined): StepSpec | undefined {
    const id = scalarKey(pair);
    const keyNode = pair.key as AnyNode;
    const line = this.lineOf(keyNode);
    if (!STEP_ID_RE.test(id)) {
      this.error(keyNode, id, 'a step id starts with a letter and has only letters, digits, - and _');
      return undefined;
    }
    const body = pair.value as AnyNode;
    if (!isMap(body)) {
      this.error(keyNode, id, `a step is a map with exactly one verb (${VERBS.join(', ')})`);
      return undefined;
    }
    const verbPairs = body.items.filter((p) => (VERBS as readonly string[]).includes(scalarKey(p)));
    const strays = body.items.filter((p) => !(VERBS as readonly string[]).includes(scalarKey(p)) && !COMMON_STEP_KEYS.includes(scalarKey(p)));
    for (const p of strays) {
      const what = verbPairs.length === 0 ? 'unknown verb' : 'unknown key';
      this.error(p.key as AnyNode, id, `${what} "${scalarKey(p)}": a step has one verb (${VERBS.join(', ')}) and optionally next`);
    }
    if (verbPairs.length === 0 && strays.length === 0) this.error(keyNode, id, `no verb: use one of ${VERBS.join(', ')}`);
    if (verbPairs.length > 1) this.error(verbPairs[1].key as AnyNode, id, `more than one verb (${verbPairs.map(scalarKey).join(', ')}): one step does one thing`);
    if (verbPairs.length !== 1) return undefined;
    const verb = scalarKey(verbPairs[0]) as Verb;
    const nextNode = body.get('next', true) as AnyNode;
    const explicitNext = nextNode === undefined ? undefined : this.target(nextNode, id);
    const ctx: StepCtx = { id, line, verb, following, explicitNext, nextNode };
    const o = new Opts(this, id, verbPairs[0].key as AnyNode, verbPairs[0].value as AnyNode, SHORTHAND[verb]);
    const spec = this.readVerb(ctx, o);
    o.done();
    return spec;
  }

  /** Where a step continues when it just finishes: its `next`, else the step below it. */
  private continuation(ctx: StepCtx): string {
    if (ctx.explicitNext !== undefined) return ctx.explicitNext;
    if (ctx.following !== undefined) {
      this.targetRefs.push({ step: ctx.id, line: ctx.line, name: ctx.following });
      return ctx.following;
    }
    this.error(ctx.line, ctx.id, `the last step needs \`next\` (or end the flow with hangup/goto)`);
    return '';
  }

  private noNext(ctx: StepCtx, instead: string): void {
    if (ctx.nextNode !== undefined) this.error(ctx.nextNode, ctx.id, `\`next\` is not used by ${ctx.verb}: ${instead}`);
  }

  private readVerb(ctx: StepCtx, o: Opts): StepSpec | undefined {
    const { id, line } = ctx;
    switch (ctx.verb) {
      case 'say': {
        const text = o.template('text');
        const file = o.str('file');
        if (text === undefined && file === undefined) o.fail('say needs text (or a prompt file)');
        return { verb: 'say', id, line, text: text ?? '', file, voice: o.str('voice'), next: this.continuation(ctx) };
      }
      case 'play':
        return { verb: 'play', id, line, url: o.template('url', true) ?? '', loop: o.int('loop', 1, 1, 10), next: this.continuation(ctx) };
      case 'gather':
        return this.readGather(ctx, o);
      case 'record': {
        const storeAs = o.varName('storeAs') ?? 'recordingUrl';
        this.definedVars.add(storeAs);
        return {
          verb: 'record',
          id,
          line,
          maxLengthSec: o.int('maxLength', 120, 5, 3600),
          silenceTimeoutSec: o.int('silenceTimeout', 5, 1, 60),
          beep: o.bool('beep', true),
          finishOnKey: o.keys('finishOnKey', '#'),
          storeAs,
          onNoInput: o.target('onNoInput'),
          next: this.continuation(ctx),
        };
      }
      case 'queue': {
        this.noNext(ctx, 'use onTimeout / onAnswered');
        const spec = {
          verb: 'queue' as const,
          id,
          line,
          name: o.str('name', true) ?? '',
          priority: o.int('priority', 5, 1, 10),
          holdMusic: o.str('holdMusic'),
          timeLimitSec: o.int('timeLimit', 120, 5, 3600),
          onAnswered: o.target('onAnswered'),
          onTimeout: o.target('onTimeout') ?? '',
        };
        if (!spec.onTimeout) spec.onTimeout = this.continuation({ ...ctx, explicitNext: undefined });
        return spec;
      }
      case 'dial':
        return { verb: 'dial', id, line, number: o.template('number', true) ?? '', timeoutSec: o.int('timeout', 30, 5, 120), callerId: o.str('callerId'), onFailed: o.target('onFailed'), next: this.continuation(ctx) };
      case 'sms':
        return { verb: 'sms', id, line, to: o.template('to') ?? '{{caller}}', text: o.template('text', true) ?? '', onError: o.target('onError'), next: this.continuation(ctx) };
      case 'action': {
        const name = o.str('name', true) ?? '';
        const known = this.opts.actions;
        if (name && known && !known.includes(name) && !(BUILTIN_ACTIONS as readonly string[]).includes(name)) {
          o.fail(`unknown action "${name}" (known: ${[...BUILTIN_ACTIONS, ...known].join(', ')})`, 'name');
        }
        const storeAs = o.varName('storeAs');
        if (storeAs) this.definedVars.add(storeAs);
        return { verb: 'action', id, line, name, args: o.args('args'), storeAs, onError: o.target('onError'), next: this.continuation(ctx) };
      }
      case 'branch': {
        this.noNext(ctx, 'use then / else');
        const cond = o.condition('if');
        const then = o.target('then', true);
        const otherwise = o.target('else', true);
        if (!cond || then === undefined || otherwise === undefined) return undefined;
        return { verb: 'branch', id, line, if: cond, then, else: otherwise };
      }
      case 'goto': {
        this.noNext(ctx, 'goto names its target itself');
        const to = o.target('to', true);
        return to === undefined ? undefined : { verb: 'goto', id, line, to };
      }
      case 'hangup':
        this.noNext(ctx, 'hangup ends the call');
        return { verb: 'hangup', id, line, result: o.str('result') };
      case 'answer': {
        // Without the actions kbAnswer / kbAnswered (no knowledge base wired) the step is a no-match.
        const solved = o.target('solved', true);
        const onNoMatch = o.target('onNoMatch', true);
        const text = o.template('text', true) ?? '';
        const prompt = o.str('prompt') ?? '按1表示已解决，按2转人工。';
        if (!/1/.test(prompt) || !/2/.test(prompt)) o.fail('the answer prompt must offer 1 (solved) and 2 (an operator)', 'prompt');
        if (solved === undefined || onNoMatch === undefined) return undefined;
        return { verb: 'answer', id, line, text, prompt, timeoutSec: o.int('timeout', 8, 3, 30), solved, onNoMatch, next: this.continuation(ctx) };
      }
    }
  }

  private readGather(ctx: StepCtx, o: Opts): StepSpec | undefined {
    const { id, line } = ctx;
    const prompt = o.prompt('prompt', true);
    const maxDigits = o.int('maxDigits', 1, 1, 32);
    const minDigits = o.int('minDigits', 1, 1, maxDigits);
    const finishOnKey = o.keys('finishOnKey', '#');
    const branches = o.branches('branches', maxDigits, finishOnKey);
    let next: string | undefined;
    if (branches.length > 0) {
      if (ctx.nextNode !== undefined) this.error(ctx.nextNode, id, 'a gather with branches sends unmatched keys to onInvalid; remove `next`');
    } else {
      next = this.continuation(ctx);
    }
    const onNoInput = o.target('onNoInput');
    if (onNoInput === undefined) o.fail('gather has no onNoInput: a caller who presses nothing would be stuck');
    const storeAs = o.varName('storeAs');
    if (storeAs) this.definedVars.add(storeAs);
    const speech = o.bool('speech', false);
    const onSpeech = o.target('onSpeech');
    if (onSpeech !== undefined && !(speech && branches.length > 0)) o.fail('onSpeech is for a menu (branches) with speech: true', 'onSpeech');
    return {
      verb: 'gather',
      id,
      line,
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
      branches,
      next,
      ...(onSpeech !== undefined ? { onSpeech } : {}),
      onNoInput: onNoInput ?? '',
      onInvalid: o.target('onInvalid') ?? onNoInput ?? '',
    };
  }

  target(node: AnyNode, step: string): string | undefined {
    if (!isScalar(node) || typeof node.value !== 'string' || node.value === '') {
      this.error(node, step, 'a step target must be a step id');
      return undefined;
    }
    this.targetRefs.push({ step, line: this.lineOf(node), name: node.value });
    return node.value;
  }

  checkTemplate(node: AnyNode, step: string, text: string): void {
    try {
      for (const v of templateVariables(text)) this.varRefs.push({ step, line: this.lineOf(node), name: v });
    } catch (e) {
      if (e instanceof TemplateSyntaxError) this.error(node, step, e.message);
      else throw e;
    }
  }

  defineVar(name: string): void {
    this.definedVars.add(name);
  }

  private checkTargets(declared: Set<string>, steps: Map<string, StepSpec>, start: string | undefined): void {
    const unknown = this.targetRefs.filter((r) => !declared.has(r.name));
    for (const r of unknown) this.error(r.line, r.step === 'start' ? undefined : r.step, `unknown step "${r.name}"`);
    // With a step unparsed or a target unknown, reachability would blame innocent steps.
    if (!start || !steps.has(start) || steps.size !== declared.size || unknown.length > 0) return;
    const seen = new Set<string>([start]);
    const todo = [start];
    while (todo.length > 0) {
      const s = steps.get(todo.pop()!);
      if (!s) continue;
      for (const t of stepTargets(s)) {
        if (t && !seen.has(t)) {
          seen.add(t);
          todo.push(t);
        }
      }
    }
    for (const s of steps.values()) {
      if (!seen.has(s.id)) this.error(s.line, s.id, `unreachable: no path from start "${start}" leads here`);
    }
  }

  private checkVariables(): void {
    for (const r of this.varRefs) {
      if (!this.definedVars.has(r.name)) {
        this.error(r.line, r.step, `unknown variable "${r.name}": not an input, a built-in (${BUILTIN_VARS.join(', ')}) or stored by any step`);
      }
    }
  }
}

interface StepCtx {
  id: string;
  line: number;
  verb: Verb;
  /** the step below this one in the file */
  following: string | undefined;
  explicitNext: string | undefined;
  nextNode: AnyNode;
}

/** The option a bare scalar stands for: `say: 您好` is `say: { text: 您好 }`. */
const SHORTHAND: Record<Verb, string | undefined> = {
  say: 'text',
  play: 'url',
  gather: 'prompt',
  record: undefined,
  queue: 'name',
  dial: 'number',
  sms: 'text',
  action: 'name',
  branch: undefined,
  goto: 'to',
  hangup: 'result',
  answer: 'text',
};

function scalarKey(p: Pair): string {
  return isScalar(p.key) ? String(p.key.value) : String(p.key);
}

/** Reads the options of one verb, reporting type errors and unknown keys at their lines. */
class Opts {
  private readonly used = new Set<string>();
  private readonly map: YAMLMap | undefined;

  constructor(
    private readonly r: FlowReader,
    private readonly step: string,
    /** the verb's key: where errors about the verb as a whole point */
    private readonly verbKey: AnyNode,
    private readonly node: AnyNode,
    private readonly shorthand: string | undefined,
  ) {
    if (isMap(node)) this.map = node;
    else if (node === null || node === undefined || (isScalar(node) && node.value === null)) this.map = undefined;
    else if (!shorthand || !(isScalar(node) || (shorthand === 'prompt' && isSeq(node)))) {
      this.r.error(node, step, shorthand ? `expected text or a map of options` : 'expected a map of options');
    }
  }

  private get(key: string): AnyNode {
    this.used.add(key);
    if (this.map) return this.map.get(key, true) as AnyNode;
    if (key === this.shorthand && this.node && !isMap(this.node)) return this.node;
    return undefined;
  }

  fail(message: string, key?: string): void {
    const at = key ? (this.map?.get(key, true) as AnyNode) : undefined;
    this.r.error(at ?? this.verbKey, this.step, message);
  }

  done(): void {
    if (!this.map) return;
    for (const p of this.map.items) {
      const k = scalarKey(p);
      if (!this.used.has(k)) this.r.error(p.key as AnyNode, this.step, `unknown option "${k}"`);
    }
  }

  str(key: string, required = false): string | undefined {
    const n = this.get(key);
    if (n === undefined || (isScalar(n) && n.value === null)) {
      if (required) this.fail(`missing \`${key}\``);
      return undefined;
    }
    if (!isScalar(n) || (typeof n.value !== 'string' && typeof n.value !== 'number')) {
      this.r.error(n, this.step, `\`${key}\` must be text`);
      return undefined;
    }
    return String(n.value);
  }

  template(key: string, required = false): string | undefined {
    const s = this.str(key, required);
    if (s !== undefined) this.r.checkTemplate(this.get(key), this.step, s);
    return s;
  }

  int(key: string, dflt: number, min: number, max: number): number {
    const n = this.get(key);
    if (n === undefined) return dflt;
    if (!isScalar(n) || typeof n.value !== 'number' || !Number.isInteger(n.value) || n.value < min || n.value > max) {
      this.r.error(n, this.step, `\`${key}\` must be a whole number from ${min} to ${max}`);
      return dflt;
    }
    return n.value;
  }

  bool(key: string, dflt: boolean): boolean {
    const n = this.get(key);
    if (n === undefined) return dflt;
    if (!isScalar(n) || typeof n.value !== 'boolean') {
      this.r.error(n, this.step, `\`${key}\` must be true or false`);
      return dflt;
    }
    return n.value;
  }

  keys(key: string, dflt: string): string {
    const n = this.get(key);
    if (n === undefined) return dflt;
    const v = isScalar(n) ? n.value : undefined;
    if (typeof v !== 'string' || !(v === '' || /^[0-9*#]$/.test(v))) {
      this.r.error(n, this.step, `\`${key}\` must be one key (0-9, * or #) or "" for none`);
      return dflt;
    }
    return v;
  }

  varName(key: string): string | undefined {
    const s = this.str(key);
    if (s !== undefined && !VAR_NAME_RE.test(s)) {
      this.fail(`\`${key}\` must be a variable name (letters, digits, _)`, key);
      return undefined;
    }
    return s;
  }

  target(key: string, required = false): string | undefined {
    const n = this.get(key);
    if (n === undefined) {
      if (required) this.fail(`missing \`${key}\``);
      return undefined;
    }
    return this.r.target(n, this.step);
  }

  prompt(key: string, required = false): PromptItem[] {
    const n = this.get(key);
    if (n === undefined) {
      if (required) this.fail(`missing \`${key}\``);
      return [];
    }
    const items = isSeq(n) ? n.items : [n];
    const out: PromptItem[] = [];
    for (const item of items as AnyNode[]) {
      const p = this.promptItem(item);
      if (p) out.push(p);
    }
    if (required && isSeq(n) && n.items.length === 0) this.r.error(n, this.step, `\`${key}\` is empty`);
    return out;
  }

  private promptItem(n: AnyNode): PromptItem | undefined {
    if (isScalar(n) && typeof n.value === 'string') {
      this.r.checkTemplate(n, this.step, n.value);
      return { kind: 'say', text: n.value };
    }
    if (isMap(n) && n.items.length >= 1) {
      const sayNode = n.get('say', true) as AnyNode;
      const playNode = n.get('play', true) as AnyNode;
      const extra = n.items.map(scalarKey).filter((k) => !['say', 'play', 'file', 'voice'].includes(k));
      if (extra.length === 0 && isScalar(sayNode) && typeof sayNode.value === 'string' && !playNode) {
        this.r.checkTemplate(sayNode, this.step, sayNode.value);
        const file = n.get('file');
        const voice = n.get('voice');
        return { kind: 'say', text: sayNode.value, ...(typeof file === 'string' ? { file } : {}), ...(typeof voice === 'string' ? { voice } : {}) };
      }
      if (extra.length === 0 && n.items.length === 1 && isScalar(playNode) && typeof playNode.value === 'string') {
        this.r.checkTemplate(playNode, this.step, playNode.value);
        return { kind: 'play', url: playNode.value };
      }
    }
    this.r.error(n, this.step, 'a prompt item is text, {say: text, file?, voice?} or {play: url}');
    return undefined;
  }

  branches(key: string, maxDigits: number, finishOnKey: string): GatherBranch[] {
    const n = this.get(key);
    if (n === undefined) return [];
    if (!isMap(n)) {
      this.r.error(n, this.step, '`branches` maps keys to steps: "1": step-id or "1": {to, label, set, words}');
      return [];
    }
    const out: GatherBranch[] = [];
    for (const p of n.items) {
      const k = scalarKey(p);
      if (!DTMF_RE.test(k)) {
        this.r.error(p.key as AnyNode, this.step, `branch key "${k}" must be phone keys (0-9, *, #); quote it: "1"`);
        continue;
      }
      if (k.length > maxDigits) this.r.error(p.key as AnyNode, this.step, `branch "${k}" is longer than maxDigits ${maxDigits}`);
      if (finishOnKey && k.includes(finishOnKey)) this.r.error(p.key as AnyNode, this.step, `branch "${k}" uses the finishOnKey "${finishOnKey}"; set finishOnKey: "" to make it a choice`);
      const v = p.value as AnyNode;
      if (isScalar(v)) {
        const to = this.r.target(v, this.step);
        if (to) out.push({ key: k, to });
        continue;
      }
      if (!isMap(v)) {
        this.r.error(v ?? (p.key as AnyNode), this.step, `branch "${k}" needs a target step`);
        continue;
      }
      const unknown = v.items.map(scalarKey).filter((x) => !['to', 'label', 'set', 'words'].includes(x));
      if (unknown.length) this.r.error(v, this.step, `branch "${k}": unknown option ${unknown.map((u) => `"${u}"`).join(', ')}`);
      const toNode = v.get('to', true) as AnyNode;
      const to = toNode === undefined ? undefined : this.r.target(toNode, this.step);
      if (toNode === undefined) this.r.error(v, this.step, `branch "${k}" needs \`to\``);
      const label = v.get('label');
      const set = this.setMap(v.get('set', true) as AnyNode);
      const wordsNode = v.get('words', true) as AnyNode;
      let words: string[] | undefined;
      if (wordsNode !== undefined) {
        if (isSeq(wordsNode) && wordsNode.items.every((w) => isScalar(w) && typeof w.value === 'string')) words = wordsNode.items.map((w) => String((w as { value: unknown }).value));
        else this.r.error(wordsNode, this.step, '`words` must be a list of text');
      }
      if (to) out.push({ key: k, to, ...(typeof label === 'string' ? { label } : {}), ...(set ? { set } : {}), ...(words ? { words } : {}) });
    }
    return out;
  }

  private setMap(n: AnyNode): Record<string, string | number | boolean> | undefined {
    if (n === undefined) return undefined;
    const out: Record<string, string | number | boolean> = {};
    if (!isMap(n)) {
      this.r.error(n, this.step, '`set` maps variable names to values');
      return undefined;
    }
    for (const p of n.items) {
      const k = scalarKey(p);
      const v = isScalar(p.value) ? p.value.value : undefined;
      if (!VAR_NAME_RE.test(k) || !['string', 'number', 'boolean'].includes(typeof v)) {
        this.r.error(p.key as AnyNode, this.step, `set "${k}": a variable name and a plain value`);
        continue;
      }
      out[k] = v as string | number | boolean;
      this.r.defineVar(k);
    }
    return out;
  }

  args(key: string): Record<string, unknown> {
    const n = this.get(key);
    if (n === undefined) return {};
    if (!isMap(n)) {
      this.r.error(n, this.step, '`args` must be a map');
      return {};
    }
    const walk = (x: AnyNode): void => {
      if (isScalar(x) && typeof x.value === 'string') this.r.checkTemplate(x, this.step, x.value);
      else if (isMap(x)) x.items.forEach((p) => walk(p.value as AnyNode));
      else if (isSeq(x)) x.items.forEach((i) => walk(i as AnyNode));
    };
    walk(n);
    return n.toJSON() as Record<string, unknown>;
  }

  condition(key: string): Condition | undefined {
    const n = this.get(key);
    if (n === undefined) {
      this.fail(`missing \`${key}\``);
      return undefined;
    }
    if (isScalar(n) && (n.value === 'workingHours' || n.value === 'callerBlocked')) return { kind: n.value };
    if (isMap(n)) {
      const js = n.toJSON() as Record<string, unknown>;
      const keys = Object.keys(js).sort().join(',');
      const plain = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);
      if (keys === 'digits' && plain(js.digits)) return { kind: 'equals', var: 'digits', value: String(js.digits) };
      if (keys === 'equals,var' && typeof js.var === 'string' && plain(js.equals)) {
        this.r.checkTemplate(n, this.step, `{{${js.var}}}`);
        return { kind: 'equals', var: js.var, value: js.equals as string | number | boolean | null };
      }
      if (keys === 'in,var' && typeof js.var === 'string' && Array.isArray(js.in) && js.in.every(plain)) {
        this.r.checkTemplate(n, this.step, `{{${js.var}}}`);
        return { kind: 'in', var: js.var, values: js.in as (string | number | boolean)[] };
      }
    }
    this.r.error(n, this.step, 'a condition is workingHours, callerBlocked, {digits: "1"}, {var: x, equals: v} or {var: x, in: [..]}');
    return undefined;
  }
}
