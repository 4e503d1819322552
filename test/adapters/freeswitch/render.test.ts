import t from 'tap';
import type { RenderOptions } from '../../../adapters/freeswitch/render.js';
import { splitArgs } from '../../fakes/fake-freeswitch.js';
import { runTurns } from './turns.js';

const opts: RenderOptions = {
  recordingPath: (callId, turnId) => `/var/lib/suban/rec/${callId}-${turnId}.wav`,
  recordingUrl: (path) => `/recordings/${path.split('/').pop()}`,
  gateway: 'cmcc',
};


t.test('say + gather, then record, then hangup', async (t) => {
  const { inputs, transcript } = await runTurns(
    t,
    opts,
    (ch) => [
      {
        callId: ch.info.uuid,
        turnId: 1,
        done: false,
        instructions: [
          { kind: 'say', text: '您好，这里是12345热线', language: 'zh-CN' },
          {
            kind: 'gather',
            prompt: [{ kind: 'say', text: '咨询请按1', language: 'zh-CN' }, { kind: 'play', url: 'https://cdn.example/menu.wav' }],
            minDigits: 1, maxDigits: 1, timeoutSec: 5, finishOnKey: '', speech: false,
          },
        ],
      },
      {
        callId: ch.info.uuid,
        turnId: 2,
        done: false,
        instructions: [{ kind: 'record', maxLengthSec: 90, silenceTimeoutSec: 4, beep: true, finishOnKey: '#' }],
      },
      { callId: ch.info.uuid, turnId: 3, done: true, instructions: [{ kind: 'say', text: '再见', language: 'zh-CN', file: 'ivr/bye.wav' }, { kind: 'hangup' }] },
    ],
    { callerNumber: '13800000000', digits: ['1'], recordMs: 6400 },
  );
  const uuid = transcript.uuid;
  t.same(inputs, [{ digits: '1' }, { recordingUrl: `/recordings/${uuid}-2.wav`, recordingDurationSec: 6 }, {}]);
  const ex = transcript.executes.map((e) => [e.app, e.arg]);
  t.same(ex.slice(0, 4), [
    ['set', 'tts_engine=tts_commandline'],
    ['set', 'tts_voice=zh'],
    ['playback', 'say:您好，这里是12345热线'],
    ['play_and_get_digits', ex[3]![1]],
  ]);
  t.equal(splitArgs(ex[3]![1]!)[5], 'file_string://say:咨询请按1!http_cache://https://cdn.example/menu.wav');
  t.same(ex.slice(4), [
    ['set', 'playback_terminators=#'],
    ['playback', 'tone_stream://%(400,0,800)'],
    ['record', `/var/lib/suban/rec/${uuid}-2.wav 90 200 4`],
    ['playback', 'ivr/bye.wav'],
  ]);
  t.equal(transcript.hungUpBy, 'server');
});

t.test('dial and queue map the switch outcome to the runner result', async (t) => {
  const { inputs, transcript } = await runTurns(
    t,
    opts,
    (ch) => [
      { callId: ch.info.uuid, turnId: 1, done: false, instructions: [{ kind: 'dial', number: '13900001111', timeoutSec: 25, callerId: '12345' }] },
      {
        callId: ch.info.uuid,
        turnId: 2,
        done: false,
        instructions: [{
          kind: 'queue', name: 'operators', priority: 1, timeLimitSec: 120,
          screenPop: { callId: ch.info.uuid, caller: ch.info.callerNumber, called: '12345', queue: 'operators', priority: 1, ivrPath: '', path: [], digits: [] },
        }],
      },
    ],
    { callerNumber: '13800000000', bridgeDisposition: 'USER_BUSY' },
  );
  t.same(inputs, [{ dialResult: 'busy' }, { queueResult: 'error' }]);
  t.same(transcript.executes[0], { app: 'bridge', arg: '{originate_timeout=25,origination_caller_id_number=12345}sofia/gateway/cmcc/13900001111', eventUuid: transcript.executes[0]!.eventUuid });
  t.same(transcript.executes.slice(1).map((e) => [e.app, e.arg]), [
    ['set', 'suban_queue_priority=1'],
    ['set', `suban_screen_pop_call=${transcript.uuid}`],
    ['callcenter', 'operators'],
  ]);
});
