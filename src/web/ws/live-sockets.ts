import fp from 'fastify-plugin';
import type { WebSocket } from 'ws';
import type { RevokedCredentials } from '../../application/auth.js';
import { TOPIC } from '../../application/ports/events.js';
import type { Container } from '../../composition/container.js';

/** What the socket registry uses of the service (src/composition builds it). */
export type LiveSocketsDeps = Pick<Container, 'metrics' | 'bus'>;

/** Close code for a socket whose credentials ended (the client must log in again, not reconnect). */
export const REVOKED_CLOSE = { code: 4401, reason: '登录已失效' } as const;

declare module 'fastify' {
  interface FastifyInstance {
    liveSockets: LiveSockets;
  }
}

/**
 * Every open console and operator socket with the user and credential it was opened with, so that
 * a logout, a revoked token or a disabled user closes them at once, on every instance (the
 * revocation travels over the bus), instead of feeding tickets to someone who left.
 */
export class LiveSockets {
  private readonly open = new Map<WebSocket, { userId: string; hash: string | null }>();

  track(socket: WebSocket, userId: string, hash: string | null): void {
    this.open.set(socket, { userId, hash });
    const forget = () => this.open.delete(socket);
    socket.on('close', forget);
    socket.on('error', forget);
  }

  /** open sockets (suban_websocket_clients) */
  get size(): number {
    return this.open.size;
  }

  /** Closes the sockets of the revoked credentials; returns how many. */
  revoke(e: RevokedCredentials): number {
    let n = 0;
    for (const [socket, who] of this.open) {
      const hit = e.hashes ? !!who.hash && e.hashes.includes(who.hash) : who.userId === e.userId;
      if (!hit) continue;
      this.open.delete(socket);
      socket.close(REVOKED_CLOSE.code, REVOKED_CLOSE.reason);
      n++;
    }
    return n;
  }
}

export default fp<LiveSocketsDeps>(
  async (app, { metrics, bus }) => {
    const live = new LiveSockets();
    app.decorate('liveSockets', live);
    metrics.gauge('suban_websocket_clients', 'open websocket connections (operator desks, consoles)', () => live.size);
    const off = bus.subscribe(TOPIC.authRevoked, (e) => live.revoke(e));
    app.addHook('onClose', async () => off());
  },
  { name: 'live-sockets' },
);
