/**
 * modesl ships CommonJS without types. The adapter does not run on it (see esl-frame.ts and
 * docs/freeswitch.md for why); the tests use it as an independent client to check that the fake
 * FreeSWITCH speaks the protocol as a third-party implementation reads it. Only what they call
 * is typed.
 */
declare module 'modesl' {
  import type { EventEmitter } from 'node:events';

  namespace esl {
    class Event {
      getHeader(name: string): string | null;
      getBody(): string;
      type: string;
    }

    class Connection extends EventEmitter {
      constructor(host: string, port: number, password: string, ready?: () => void);
      api(command: string, args: string | string[], cb: (res: Event) => void): void;
      api(command: string, cb: (res: Event) => void): void;
      bgapi(command: string, args: string | string[], cb: (res: Event) => void): void;
      bgapi(command: string, cb: (res: Event) => void): void;
      subscribe(events: string | string[], cb?: () => void): void;
      disconnect(): void;
      connected(): boolean;
    }

    class Server extends EventEmitter {
      constructor(opts: { port: number; host?: string; myevents?: boolean }, ready?: () => void);
      close(cb?: () => void): void;
    }
  }

  export default esl;
}
