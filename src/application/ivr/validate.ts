/**
 * Reads an `ivr-flows/*.yaml` file into a FlowDefinition, or says precisely what is wrong:
 * every error carries the file, the step id and the line, so the CLI can print
 * `hotline.yaml:42 menu: ...` and an editor can jump there.
 */
import { basename, extname } from 'node:path';
import type { FlowFiles } from '../ports/flow-files.js';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Pair, type YAMLMap } from 'yaml';
import { BUILTIN_VARS, VERBS, type FlowDefinition, type StepSpec, type Verb } from './flow.js';
import { Opts, scalarKey, VAR_NAME_RE, type AnyNode, type ReaderSink, type VerbCheck } from './steps/check.js';
import { stepTargets, VERB_DEFINITIONS } from './steps/index.js';
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

/** Actions the runner maps onto IvrServices methods itself (the action verb's). */
export { BUILTIN_ACTIONS } from './steps/action/spec.js';

export const FLOW_FILE_RE = /\.ya?ml$/;

export function flowNameOf(file: string): string {
  return basename(file, extname(file));
}

const STEP_ID_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;
const TOP_KEYS = ['description', 'start', 'voice', 'language', 'inputs', 'steps'];
const COMMON_STEP_KEYS = ['next', 'note'];

interface Ref {
  step: string;
  line: number;
  name: string;
}

export function validateFlowSource(source: string, file: string, opts: ValidateOptions = {}): { flow?: FlowDefinition; errors: FlowError[] } {
  return new FlowReader(source, file, opts).read();
}

/** Checks every flow file; for the CLI (`suban flows check`) and the start-up gate. */
export function checkFlows(source: FlowFiles, opts: ValidateOptions = {}): { ok: boolean; errors: FlowError[]; flows: string[] } {
  const errors: FlowError[] = [];
  const flows: string[] = [];
  let files: string[];
  try {
    files = source.list();
  } catch (e) {
    return { ok: false, errors: [{ file: source.where, line: 0, message: `cannot read flow directory: ${(e as Error).message}` }], flows };
  }
  if (files.length === 0) errors.push({ file: source.where, line: 0, message: 'no flow files (*.yaml) found' });
  for (const f of files) {
    const res = validateFlowSource(source.read(f), f, opts);
    errors.push(...res.errors);
    if (res.flow) flows.push(res.flow.name);
  }
  return { ok: errors.length === 0, errors, flows };
}

class FlowReader implements ReaderSink {
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

  private readStep(pair: Pair, followingId: string | undefined): StepSpec | undefined {
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
    const def = VERB_DEFINITIONS[verb];
    const o = new Opts(this, id, verbPairs[0].key as AnyNode, verbPairs[0].value as AnyNode, def.shorthand);
    const following = (): string => {
      if (followingId !== undefined) {
        this.targetRefs.push({ step: id, line, name: followingId });
        return followingId;
      }
      this.error(line, id, `the last step needs \`next\` (or end the flow with hangup/goto)`);
      return '';
    };
    const check: VerbCheck = {
      id,
      line,
      o,
      actions: this.opts.actions,
      nextNode,
      // Where a step continues when it just finishes: its `next`, else the step below it.
      continuation: () => (explicitNext !== undefined ? explicitNext : following()),
      followingStep: following,
      noNext: (instead) => {
        if (nextNode !== undefined) this.error(nextNode, id, `\`next\` is not used by ${verb}: ${instead}`);
      },
      defineVar: (name) => this.defineVar(name),
    };
    const spec = def.check(check);
    o.done();
    return spec;
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
