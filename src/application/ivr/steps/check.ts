/**
 * What every verb's checks are written with: the options reader (types, ranges, unknown keys, each
 * error at its line) and the step's context (its id, where it continues, variables it defines).
 * The flow reader (validate.ts) provides them; each verb's `spec.ts` uses them to turn its YAML
 * into its checked spec, so a verb's rules live beside the verb.
 */
import { isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import type { PromptItem, StepSpec } from '../flow.js';
import type { Step } from './step.js';

export type AnyNode = Node | Pair['key'] | null | undefined;

export const VAR_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function scalarKey(p: Pair): string {
  return isScalar(p.key) ? String(p.key.value) : String(p.key);
}

/** The flow reader as the options reader and the verbs see it. */
export interface ReaderSink {
  error(node: AnyNode | number, step: string | undefined, message: string): void;
  /** a reference to a step: checked to exist once every step is read */
  target(node: AnyNode, step: string): string | undefined;
  /** the variables a template uses: checked to be defined once every step is read */
  checkTemplate(node: AnyNode, step: string, text: string): void;
  defineVar(name: string): void;
}

/** One step being read: what its verb's check gets. */
export interface VerbCheck {
  readonly id: string;
  readonly line: number;
  /** the step's options */
  readonly o: Opts;
  /** the names the services answer to, when known (an `action` with another name is an error) */
  readonly actions: readonly string[] | undefined;
  /** Where the step continues when it just finishes: its `next`, else the step below it. */
  continuation(): string;
  /** The same, ignoring an explicit `next` (for a verb that has its own key for it). */
  followingStep(): string;
  /** For a verb without `next`: an explicit one is an error, saying what to use instead. */
  noNext(instead: string): void;
  /** Whether the step has an explicit `next`, and where it is for an error. */
  readonly nextNode: AnyNode;
  defineVar(name: string): void;
}

/** A verb: everything the flow language, the checker and the runner need to know about it. */
export interface VerbDefinition<S extends StepSpec = StepSpec> {
  readonly verb: S['verb'];
  /** The option a bare scalar stands for: `say: 您好` is `say: { text: 您好 }`. */
  readonly shorthand: string | undefined;
  /** Reads and checks the step's options; undefined when it cannot be built (errors reported). */
  check(c: VerbCheck): S | undefined;
  /** Every step it can continue to, for reachability and target checks. */
  targets(s: S): string[];
  /** The runtime step. */
  create(s: S): Step;
}

/** Reads the options of one verb, reporting type errors and unknown keys at their lines. */
export class Opts {
  private readonly used = new Set<string>();
  private readonly map: YAMLMap | undefined;

  constructor(
    readonly r: ReaderSink,
    readonly step: string,
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

  /** The raw node of an option (marks it used). */
  get(key: string): AnyNode {
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
}
