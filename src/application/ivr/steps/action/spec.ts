/** action: call a named service (create a ticket, look one up, an IVR action) and store its result. */
import { isMap, isScalar, isSeq } from 'yaml';
import type { StepCommon } from '../../flow.js';
import type { AnyNode, Opts, VerbCheck } from '../check.js';

export interface ActionStepSpec extends StepCommon {
  verb: 'action';
  name: string;
  args: Record<string, unknown>;
  storeAs?: string;
  onError?: string;
  next: string;
}

/** Actions the runner maps onto IvrServices methods itself. */
export const BUILTIN_ACTIONS = ['createTicket', 'lookupTicket'] as const;

export const shorthand = 'name';

export function check(c: VerbCheck): ActionStepSpec | undefined {
  const { o } = c;
  const name = o.str('name', true) ?? '';
  const known = c.actions;
  if (name && known && !known.includes(name) && !(BUILTIN_ACTIONS as readonly string[]).includes(name)) {
    o.fail(`unknown action "${name}" (known: ${[...BUILTIN_ACTIONS, ...known].join(', ')})`, 'name');
  }
  const storeAs = o.varName('storeAs');
  if (storeAs) c.defineVar(storeAs);
  return { verb: 'action', id: c.id, line: c.line, name, args: args(o, 'args'), storeAs, onError: o.target('onError'), next: c.continuation() };
}

export const targets = (s: ActionStepSpec): string[] => [s.next, ...(s.onError ? [s.onError] : [])];

function args(o: Opts, key: string): Record<string, unknown> {
  const n = o.get(key);
  if (n === undefined) return {};
  if (!isMap(n)) {
    o.r.error(n, o.step, '`args` must be a map');
    return {};
  }
  const walk = (x: AnyNode): void => {
    if (isScalar(x) && typeof x.value === 'string') o.r.checkTemplate(x, o.step, x.value);
    else if (isMap(x)) x.items.forEach((p) => walk(p.value as AnyNode));
    else if (isSeq(x)) x.items.forEach((i) => walk(i as AnyNode));
  };
  walk(n);
  return n.toJSON() as Record<string, unknown>;
}
