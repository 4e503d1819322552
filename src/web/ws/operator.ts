/**
 * `GET /ws/operator`: the operators' live feed. Authenticated as operator, supervisor or admin
 * (bearer token in `Sec-WebSocket-Protocol: bearer, <token>`, `?token=`, an Authorization header,
 * or the console's session cookie). On connect the client gets the calls still waiting, then
 * screen pops, call state changes, WeChat hand-overs, and updates of the tickets it said it has
 * open (`{"type":"open","ticket":"<id or number>"}`). The sockets live in the one hub (ws/hub.ts),
 * which serialises every message once and drops dead and hopelessly slow sockets.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.js';
import { OFFICE_ROLES } from '../../domain/policy.js';
import { assertLiveRegistered } from './hub.js';
import type { Container } from '../../composition/container.js';
import { assertSocketOrigin } from '../plugins/ws-origin.js';

/** What the route uses of the service (src/composition builds it), and its socket limits. */
export interface OperatorSocketOptions extends Pick<Container, 'auth' | 'config'> {
  /** ping interval; a socket that did not answer the previous ping is dropped */
  heartbeatMs?: number;
  /** bytes queued for one socket before it counts as dead */
  maxBufferedBytes?: number;
}

const MAX_OPEN_TICKETS = 200;

/** Tokens a browser can send with a websocket: it cannot set an Authorization header. */
function tokenOf(req: FastifyRequest): string | null {
  const proto = req.headers['sec-websocket-protocol'];
  if (typeof proto === 'string') {
    const parts = proto.split(',').map((s) => s.trim()).filter(Boolean);
    const i = parts.indexOf('bearer');
    if (i >= 0 && parts[i + 1]) return parts[i + 1]!;
  }
  const q = (req.query as Record<string, unknown> | undefined)?.token;
  return typeof q === 'string' && q ? q : null;
}

/** Close code 1012 (service restart): the client should reconnect, to another instance behind the balancer. */
export const RESTART_CLOSE = { code: 1012, reason: '服务重启，请重新连接' } as const;

/**
 * The websocket plugin's `preClose` (its default closes sockets without a code). It runs before
 * the HTTP server stops taking requests, so consoles move to another instance while this one drains.
 */
export function closeSocketsForRestart(this: FastifyInstance, done: () => void): void {
  const server = this.websocketServer;
  for (const client of server.clients) client.close(RESTART_CLOSE.code, RESTART_CLOSE.reason);
  server.close(() => undefined);
  done();
}

export default async function operatorSocket(app: FastifyInstance, opts: OperatorSocketOptions): Promise<void> {
  const { auth, config } = opts;
  // Logout, a revoked token or a disabled user closes the sockets at once (app.ts registers the registry once for every socket route).
  assertLiveRegistered(app, '/ws/operator');
  const hub = app.liveHub;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  hub.feed('operator', { heartbeatMs, maxBufferedBytes: opts.maxBufferedBytes ?? 4 * 1024 * 1024, close: RESTART_CLOSE });

  app.get(
    '/ws/operator',
    {
      websocket: true,
      // Runs before the upgrade: a refused client gets a plain 401/403 answer, no socket.
      preValidation: async (req) => {
        assertSocketOrigin(req, config.publicUrl);
        if (!req.principal) {
          const token = tokenOf(req);
          const found = token ? await auth.authenticate(token, 'token') : null;
          req.principal = found?.principal ?? null;
          req.credentialHash = found?.hash ?? null;
        }
        if (!req.principal) throw new AppError('unauthorized', 'unauthenticated', '请先登录');
        if (!OFFICE_ROLES.includes(req.principal.role)) throw new AppError('forbidden', 'forbidden', '只有话务员、班长和管理员可以接收来电弹屏');
      },
    },
    (socket, req) => {
      const c = hub.join('operator', socket, req.principal!);
      app.liveSockets.track(socket, c.principal.id, req.credentialHash);
      socket.on('message', (data) => {
        c.alive = true;
        let m: { type?: unknown; ticket?: unknown };
        try {
          m = JSON.parse(String(data));
        } catch {
          return;
        }
        // `null`, numbers and arrays are valid JSON too; a client frame must never throw here.
        if (!m || typeof m !== 'object' || Array.isArray(m)) return;
        if (m.type === 'ping') hub.send(c, JSON.stringify({ type: 'pong' }));
        else if (m.type === 'waiting') hub.send(c, JSON.stringify({ type: 'waiting', calls: hub.waiting() }));
        else if (typeof m.ticket === 'string' && m.ticket.length <= 64) {
          if (m.type === 'open' && c.open.size < MAX_OPEN_TICKETS) c.open.add(m.ticket);
          else if (m.type === 'close') c.open.delete(m.ticket);
        }
      });
      const p = c.principal;
      hub.send(c, JSON.stringify({ type: 'hello', user: { id: p.id, name: p.name, role: p.role }, heartbeatMs }));
      hub.send(c, JSON.stringify({ type: 'waiting', calls: hub.waiting() }));
    },
  );
}
