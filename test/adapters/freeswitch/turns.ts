import { OutboundServer, type CallChannel } from '../../../adapters/freeswitch/outbound-server.js';
import { executeTurn, type RenderOptions } from '../../../adapters/freeswitch/render.js';
import type { CallInput, Turn } from '../../../src/application/ivr/instructions.js';
import { FakeFreeSwitch, type CallScript } from '../../fakes/fake-freeswitch.js';

/** Plays the IVR turns of one call through the outbound server against the fake switch; what each turn returned and the call's transcript. */
export async function runTurns(t: { teardown(fn: () => unknown): void }, opts: RenderOptions, turns: (ch: CallChannel) => Turn[], script: CallScript) {
  const fs = new FakeFreeSwitch();
  const inputs: CallInput[] = [];
  const server = new OutboundServer({
    port: 0,
    tts: { engine: 'tts_commandline', voice: 'zh' },
    onCall: async (ch) => {
      for (const turn of turns(ch)) inputs.push(await executeTurn(ch, turn, opts));
    },
  });
  const { port } = await server.listen();
  t.teardown(async () => {
    await server.close();
    await fs.close();
  });
  const transcript = await fs.placeCall(port, script);
  return { inputs, transcript, apps: transcript.executes.map((e) => e.app) };
}
