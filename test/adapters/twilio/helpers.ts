/** A whole service with SUBAN_VOICE=twilio and SUBAN_SMS=twilio, listening on loopback, its SDK pointed at a FakeTwilio. */
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../../src/config.js';
import { createContainer, type Container } from '../../../src/composition/container.js';
import { createLogger } from '../../../src/logger.js';
import { FakeClock } from '../../../src/domain/clock.js';
import { buildApp } from '../../../src/web/app.js';
import { seed } from '../../../src/application/seed.js';
import { classifier, LogSink } from '../../helpers/app.js';
import { FakeTwilio, TwilioWebhooks } from '../../fakes/fake-twilio.js';

export const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const AUTH_TOKEN = 'twilio-test-auth-token-1';
export const PUBLIC_URL = 'https://hotline.example.cn';
export const HOTLINE = '+8612345000';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface TwilioTestApp {
  app: FastifyInstance;
  ctx: Container;
  clock: FakeClock;
  logs: LogSink;
  twilio: FakeTwilio;
  hooks: TwilioWebhooks;
  operatorToken: string;
  appUrl: string;
}

export async function twilioApp(t: Teardown, opts: { now?: string; authToken?: string } = {}): Promise<TwilioTestApp> {
  const twilio = new FakeTwilio(ACCOUNT_SID, AUTH_TOKEN);
  await twilio.listen();
  const clock = new FakeClock(opts.now ?? '2026-11-26T02:00:00Z');
  const config = loadConfig({
    DATABASE_URL: 'sqlite::memory:',
    SUBAN_PUBLIC_URL: PUBLIC_URL,
    SUBAN_LOG_LEVEL: 'info',
    SUBAN_VOICE: 'twilio',
    SUBAN_SMS: 'twilio',
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: opts.authToken ?? AUTH_TOKEN,
    TWILIO_FROM: HOTLINE,
  });
  const logs = new LogSink();
  const ctx = await createContainer(config, createLogger(config.logLevel, logs), { clock, classifier: classifier(), voice: { twilioHttpClient: twilio.httpClient() } });
  await seed(ctx, false);
  const app = await buildApp(ctx);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address() as { port: number };
  const appUrl = `http://127.0.0.1:${addr.port}`;
  t.teardown(async () => {
    await app.close();
    await ctx.close();
    await twilio.close();
  });
  const op = await ctx.auth.addUser({ name: 'op', role: 'operator', password: 'correct-horse-1' });
  return { app, ctx, clock, logs, twilio, hooks: new TwilioWebhooks(AUTH_TOKEN, PUBLIC_URL, appUrl), operatorToken: await ctx.auth.issueToken(op.id), appUrl };
}

/** The URLs a TwiML document tells Twilio to call next, by verb, with entities decoded. */
export function twimlUrls(xml: string): { gather?: string; record?: string; redirect?: string; enqueue?: string; wait?: string; dial?: string } {
  const attr = (tag: string, name: string) => {
    const m = new RegExp(`<${tag}\\b[^>]*\\b${name}="([^"]*)"`).exec(xml);
    return m ? m[1]!.replace(/&amp;/g, '&') : undefined;
  };
  const redirect = /<Redirect[^>]*>([^<]*)<\/Redirect>/.exec(xml)?.[1]?.replace(/&amp;/g, '&');
  return {
    gather: attr('Gather', 'action'),
    record: attr('Record', 'action'),
    redirect,
    enqueue: attr('Enqueue', 'action'),
    wait: attr('Enqueue', 'waitUrl'),
    dial: attr('Dial', 'action'),
  };
}

export function sayText(xml: string): string {
  return [...xml.matchAll(/<Say[^>]*>([^<]*)<\/Say>/g)].map((m) => m[1]).join(' ');
}
