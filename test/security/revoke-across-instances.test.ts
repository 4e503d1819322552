import t from 'tap';
import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { createContainer, type Container } from '../../src/composition/container.js';
import { createLogger } from '../../src/logger.js';
import { FakeClock } from '../../src/domain/clock.js';
import { buildApp } from '../../src/web/app.js';
import { seed } from '../../src/application/seed.js';
import { classifier } from '../helpers/app.js';
import { sha256, tokenId } from '../../src/application/auth.js';
import { dropSchema, newSchemaName } from '../helpers/db.js';

/** Issue 19, item 8: disabling a user or revoking a token on one instance closes its sockets on another at once. */

const url = process.env.SUBAN_TEST_PG_URL;

t.test('revocations cross instances over the bus', { skip: url ? false : 'SUBAN_TEST_PG_URL not set: needs two instances on one PostgreSQL' }, async (t) => {
  const schema = newSchemaName();
  const clock = new FakeClock('2026-11-26T02:00:00Z');
  const instances: { ctx: Container; app: FastifyInstance; port: number }[] = [];
  for (let i = 0; i < 2; i++) {
    const config = loadConfig({ DATABASE_URL: url!, SUBAN_PUBLIC_URL: 'https://hotline.example.cn', SUBAN_LOG_LEVEL: 'warn' });
    const ctx = await createContainer(config, createLogger('warn'), { clock, pgSchema: schema, classifier: classifier() });
    if (i === 0) await seed(ctx, false);
    const app = await buildApp(ctx);
    await app.listen({ host: '127.0.0.1', port: 0 });
    instances.push({ ctx, app, port: (app.server.address() as { port: number }).port });
  }
  t.teardown(async () => {
    for (const x of instances) {
      await x.app.close();
      await x.ctx.close();
    }
    await dropSchema(url!, schema);
  });
  const [a, b] = instances as [(typeof instances)[0], (typeof instances)[0]];
  const mk = async (name: string, role: 'operator' | 'admin') => {
    const u = await a.ctx.users.create({ id: randomUUID(), name, role, unit: null, displayName: null, phone: null, disabled: false, passwordHash: null }, clock.now());
    return { id: u.id, token: await a.ctx.auth.issueToken(u.id) };
  };
  const op = await mk('op', 'operator');
  const adm = await mk('adm', 'admin');
  const open = (token: string) =>
    new Promise<{ closed: Promise<number> }>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${b.port}/ws/operator`, { headers: { authorization: `Bearer ${token}` } });
      const closed = new Promise<number>((r) => ws.on('close', (c) => r(c)));
      ws.once('message', () => resolve({ closed }));
      ws.once('error', reject);
    });
  const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<'late'>((r) => setTimeout(() => r('late'), ms))]);

  // A token revoked on instance A: the socket opened with it on instance B closes; another token's socket stays.
  const second = await a.ctx.auth.issueToken(op.id);
  const revoked = await open(second);
  const kept = await open(op.token);
  const res = await a.app.inject({ method: 'DELETE', url: `/api/v1/users/${op.id}/tokens/${tokenId(sha256(second))}`, headers: { authorization: `Bearer ${adm.token}` } });
  t.equal(res.statusCode, 200);
  t.equal(await within(revoked.closed, 2000), 4401, 'revoking on A closes its socket on B at once');
  t.equal(await within(kept.closed, 300), 'late', "another token's socket stays open");
  // Disabling the user on A: every socket of the user on B closes.
  const dis = await a.app.inject({ method: 'POST', url: `/api/v1/users/${op.id}/disable`, headers: { authorization: `Bearer ${adm.token}` } });
  t.equal(dis.statusCode, 200);
  t.equal(await within(kept.closed, 2000), 4401, "disabling on A closes the user's socket on B at once");
});
