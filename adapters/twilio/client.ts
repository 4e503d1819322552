/** Outbound calls and SMS through the twilio SDK. */
import { randomUUID } from 'node:crypto';
import twilio from 'twilio';
import RequestClient from 'twilio/lib/base/RequestClient.js';
import type { Clock } from '../../src/domain/clock.js';
import { AppError } from '../../src/domain/errors.js';
import { toE164 as phoneE164 } from '../../src/domain/phone.js';
import type { SmsSender } from '../../src/application/ports/messaging.js';
import type { StateStore } from '../../src/application/ports/misc.js';
import type { OutboundCall } from '../../src/application/ports/voice.js';
import type { VoiceProvider } from '../../src/application/ports/calls.js';

export type TwilioClient = ReturnType<typeof twilio>;

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  from: string;
  /** TWILIO_API_BASE: another base URL for the REST API (a loopback fake for tests of whole processes). */
  apiBase?: string;
}

/** `httpClient` lets tests send the SDK's real requests to a loopback fake of Twilio's REST API. */
export function createTwilioClient(s: TwilioSettings, httpClient?: RequestClient): TwilioClient {
  const client = httpClient ?? (s.apiBase ? rebasedRequestClient(s.apiBase) : undefined);
  return twilio(s.accountSid, s.authToken, client ? { httpClient: client } : {});
}

/** The SDK's own RequestClient with only the host rewritten: form encoding, auth and parsing stay the SDK's. */
function rebasedRequestClient(base: string): RequestClient {
  class Rebased extends RequestClient {
    override request<T>(opts: RequestClient.RequestOptions<T>) {
      return super.request({ ...opts, uri: opts.uri.replace(/^https:\/\/[a-z.]*twilio\.com/, base) });
    }
  }
  return new Rebased();
}

/** Twilio wants E.164; citizens' numbers are stored in their national form (the one normaliser). */
export const toE164 = (n: string): string => phoneE164(n);

function unavailable(what: string, err: unknown): AppError {
  const e = err as { status?: number; code?: number; message?: string };
  return new AppError('unavailable', 'twilio_failed', `Twilio ${what}失败：${e.message ?? String(err)}`, { status: e.status ?? null, code: e.code ?? null });
}

export class TwilioSmsSender implements SmsSender {
  constructor(
    private readonly client: TwilioClient,
    private readonly from: string,
  ) {}

  async send(msg: { to: string; text: string; ref?: string }): Promise<{ id: string }> {
    try {
      const m = await this.client.messages.create({ to: toE164(msg.to), from: this.from, body: msg.text });
      return { id: m.sid };
    } catch (err) {
      throw unavailable('短信发送', err);
    }
  }
}

export const TWILIO_OUTBOUND_SCOPE = 'twilio-outbound';

/** What the voice webhook of an outbound call needs to know; keyed by our own id, sent in the URL. */
export interface TwilioOutboundRecord {
  ref: string;
  flow: string;
  vars: Record<string, unknown>;
  to: string;
  callSid?: string;
}

export class TwilioVoiceProvider implements VoiceProvider {
  readonly name = 'twilio';

  constructor(
    private readonly d: { client: TwilioClient; from: string; publicUrl: string; state: StateStore; clock: Clock },
  ) {}

  async placeCall(c: OutboundCall): Promise<{ callId: string }> {
    const oc = randomUUID();
    const now = this.d.clock.now();
    const record: TwilioOutboundRecord = { ref: c.ref, flow: c.flow, vars: c.vars, to: c.to };
    // Stored before the call exists: Twilio may ask for the TwiML before create() returns.
    const keep = new Date(now.getTime() + 2 * 24 * 3600_000);
    await this.d.state.put(TWILIO_OUTBOUND_SCOPE, oc, record, now, keep);
    const q = `oc=${encodeURIComponent(oc)}`;
    try {
      const call = await this.d.client.calls.create({
        to: toE164(c.to),
        from: this.d.from,
        url: `${this.d.publicUrl}/twilio/voice?${q}`,
        method: 'POST',
        statusCallback: `${this.d.publicUrl}/twilio/status?${q}`,
        statusCallbackMethod: 'POST',
        statusCallbackEvent: ['completed'],
        timeout: c.timeoutSec ?? 30,
        ...(c.detectMachine ? { machineDetection: 'Enable' } : {}),
      });
      await this.d.state.put(TWILIO_OUTBOUND_SCOPE, oc, { ...record, callSid: call.sid }, this.d.clock.now(), keep);
      return { callId: call.sid };
    } catch (err) {
      throw unavailable('外呼', err);
    }
  }
}
