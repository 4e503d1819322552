/**
 * A loopback TCP proxy that can take the database away and bring it back without touching the
 * database server itself (other tests share it).
 *
 * - `cut()` (`'refuse'`) resets every open connection and stops listening, so new connections are
 *   refused: PostgreSQL stopped or crashed.
 * - `cut('blackhole')` is a network partition (a pulled cable, a firewall that DROPs): open
 *   connections stay open but every byte, either way, vanishes, and so does a FIN (nobody on the
 *   other side hears a close); new connections are accepted and never answered. Nothing fails
 *   fast: only the client's own deadlines tell it something is wrong.
 * - `restore()` forwards again, on the same port. Connections that lived through a partition have
 *   lost bytes and cannot carry on: they are reset, as the far end that no longer knows them would.
 * - `heal()` ends a blackhole without that reset: new connections are forwarded again, but the
 *   ones that lived through the partition stay silent for good and nobody tells either end (a
 *   NAT or firewall that forgot the flow, a database host that rebooted and sent no RST). Only a
 *   client's own heartbeat can find them.
 */
import net from 'node:net';

export type CutMode = 'refuse' | 'blackhole';

interface Pair {
  client: net.Socket;
  upstream: net.Socket | null;
}

const discard = () => undefined;

export class TcpProxy {
  private server: net.Server | null = null;
  private readonly pairs = new Set<Pair>();
  private mode: 'open' | CutMode = 'open';
  private listenPort = 0;
  /** connections accepted in total (including ones cut) */
  accepted = 0;
  /** bytes that vanished in a partition, both directions */
  dropped = 0;

  constructor(
    private readonly target: { host: string; port: number },
  ) {}

  /** A `postgres://` URL like `url` but through this proxy. */
  static rewrite(url: string, port: number): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(port);
    return u.toString();
  }

  get port(): number {
    return this.listenPort;
  }

  get openConnections(): number {
    return this.pairs.size;
  }

  async listen(port = 0): Promise<number> {
    // Half-open allowed: in a partition the client's FIN must not be answered by ours.
    const server = net.createServer({ allowHalfOpen: true }, (client) => this.onConnection(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.listenPort = (server.address() as net.AddressInfo).port;
    return this.listenPort;
  }

  private onConnection(client: net.Socket) {
    this.accepted++;
    const pair: Pair = { client, upstream: null };
    this.pairs.add(pair);
    const drop = () => {
      this.pairs.delete(pair);
      client.destroy();
      pair.upstream?.destroy();
    };
    client.on('error', drop);
    client.on('close', drop);
    // Accepted just as the cut began: refused like the rest.
    if (this.mode === 'refuse') return void client.resetAndDestroy();
    if (this.mode === 'blackhole') return void this.swallow(client);
    const upstream = net.connect(this.target.port, this.target.host);
    pair.upstream = upstream;
    upstream.on('error', drop);
    upstream.on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Reads and forgets everything `s` sends, its end included. */
  private swallow(s: net.Socket) {
    s.on('data', (b: Buffer) => (this.dropped += b.length));
    s.on('end', discard);
    s.resume();
  }

  /** Refuses (default) or, in a partition, swallows; see the file comment. */
  async cut(mode: CutMode = 'refuse'): Promise<void> {
    this.mode = mode;
    if (mode === 'blackhole') {
      for (const p of this.pairs) {
        // Nothing crosses any more: not the bytes already in flight, not a close.
        p.client.unpipe();
        p.upstream?.unpipe();
        this.swallow(p.client);
        if (p.upstream) this.swallow(p.upstream);
      }
      return;
    }
    const s = this.server;
    this.server = null;
    const closed = s ? new Promise<void>((r) => s.close(() => r())) : Promise.resolve();
    this.resetAll();
    await closed;
  }

  private resetAll() {
    for (const p of [...this.pairs]) {
      p.client.resetAndDestroy();
      p.upstream?.destroy();
      this.pairs.delete(p);
    }
  }

  /** Listens and forwards again on the same port. */
  async restore(): Promise<void> {
    // Every connection open now went through the partition (or began in it) and lost bytes.
    if (this.mode === 'blackhole') this.resetAll();
    this.mode = 'open';
    if (!this.server) {
      for (let i = 0; ; i++) {
        try {
          await this.listen(this.listenPort);
          break;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || i > 50) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
  }

  /** After `cut('blackhole')`: forwards new connections again, leaves the old ones silent (see the file comment). */
  heal(): void {
    if (this.mode !== 'blackhole') throw new Error(`heal() ends a blackhole; the proxy is ${this.mode}`);
    this.mode = 'open';
  }

  async close(): Promise<void> {
    await this.cut('refuse');
  }
}
