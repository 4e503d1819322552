/** `suban flows check` and `suban call`: the voice commands of the CLI, writing to a stream. */
import type { Writable } from 'node:stream';
import { checkFlows, formatFlowError } from '../ivr/validate.js';
import type { FlowFiles } from '../ports/flow-files.js';
import type { SimVoiceProvider } from '../../../adapters/sim/voice.js';
import type { SimSmsSender } from '../../../adapters/sim/sms.js';
import { TOPIC, type EventBus } from '../ports/events.js';
import type { CallHandler } from '../ports/calls.js';
import type { OperatorScreenPop } from './screen-pop.js';

const line = (out: Writable, s = '') => out.write(`${s}\n`);

/** Prints every flow's verdict; returns the exit code (1 when any flow is broken). */
export function flowsCheck(flows: FlowFiles, out: Writable): number {
  const r = checkFlows(flows);
  for (const e of r.errors) line(out, formatFlowError(e));
  for (const f of r.flows) line(out, `ok  ${f}`);
  line(out, r.ok ? `${r.flows.length} 个流程检查通过 (flows ok)` : `${r.errors.length} 个错误 (errors) in ${flows.where}`);
  return r.ok ? 0 : 1;
}

export interface SimulatedCallOptions {
  from: string;
  press: string[];
  say?: string;
  json?: boolean;
}

/** Places a simulated call to the hotline and prints the IVR path, the ticket and the screen pop. */
export async function simulateCall(deps: { sim: SimVoiceProvider; voice: Pick<CallHandler, 'idle'>; bus: EventBus; sms: SimSmsSender | null }, o: SimulatedCallOptions, out: Writable): Promise<number> {
  const pops: OperatorScreenPop[] = [];
  const off = deps.bus.subscribe(TOPIC.screenPop, (p) => pops.push(p));
  const smsBefore = deps.sms?.sent.length ?? 0;
  try {
    const call = await deps.sim.placeInbound({ from: o.from, press: o.press, ...(o.say ? { say: o.say } : {}) });
    await deps.voice.idle();
    const sms = deps.sms?.sent.slice(smsBefore) ?? [];
    if (o.json) {
      line(out, JSON.stringify({ call, screenPops: pops, sms }, null, 2));
      return call.result === 'error' ? 1 : 0;
    }
    line(out, `通话 call:      ${call.callId}`);
    line(out, `IVR 路径 path:  ${call.ivrPath || '(未经菜单)'}`);
    line(out, `结果 result:    ${call.result ?? '-'}`);
    line(out, `工单 ticket:    ${call.ticketNumber ?? '(未建单)'}`);
    line(out, '听到 heard:');
    for (const h of call.heard) line(out, `  · ${h}`);
    for (const m of sms) line(out, `短信 SMS → ${m.to}: ${m.text}`);
    for (const p of pops) {
      line(out, '弹屏 screen pop:');
      line(out, JSON.stringify(p, null, 2).replace(/^/gm, '  '));
    }
    return call.result === 'error' ? 1 : 0;
  } finally {
    off();
  }
}
