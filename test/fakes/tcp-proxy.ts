/**
 * A loopback TCP proxy that can take the database away and bring it back without touching the
 * database server itself (other tests share it). `cut()` drops every open connection and stops
 * listening, so new connections are refused, as when PostgreSQL is stopped; `cut('blackhole')`
 * instead accepts connections and never answers, as in a network partition; `restore()` listens
 * on the same port again.
 */
import net from 'node:net';

export type CutMode = 'refuse' | 'blackhole';

export class TcpProxy {
  private server: net.Server | null = null;
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket | null }>();
  private mode: 'open' | CutMode = 'open';
  private listenPort = 0;
  /** connections accepted in total (including ones cut) */
  accepted = 0;

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
    const server = net.createServer((client) => this.onConnection(client));
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
    const pair: { client: net.Socket; upstream: net.Socket | null } = { client, upstream: null };
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
    if (this.mode === 'blackhole') return; // held open, never forwarded, until restore() or cut()
    const upstream = net.connect(this.target.port, this.target.host);
    pair.upstream = upstream;
    upstream.on('error', drop);
    upstream.on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Drops every connection; then refuses new ones (default) or swallows them. */
  async cut(mode: CutMode = 'refuse'): Promise<void> {
    this.mode = mode;
    const s = mode === 'refuse' ? this.server : null;
    if (s) this.server = null;
    const closed = s ? new Promise<void>((r) => s.close(() => r())) : Promise.resolve();
    for (const p of [...this.pairs]) {
      p.client.resetAndDestroy();
      p.upstream?.destroy();
      this.pairs.delete(p);
    }
    await closed;
  }

  /** Listens and forwards again on the same port. */
  async restore(): Promise<void> {
    const wasBlackhole = this.mode === 'blackhole';
    this.mode = 'open';
    if (wasBlackhole) {
      // Connections swallowed during the partition never got an answer: drop them, clients reconnect.
      for (const p of [...this.pairs]) if (!p.upstream) {
        p.client.destroy();
        this.pairs.delete(p);
      }
    }
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

  async close(): Promise<void> {
    await this.cut('refuse');
  }
}
