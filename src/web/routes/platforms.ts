/**
 * The push endpoint of the 附件2 platforms: `POST /platforms/:slug/cases` with a body signed by
 * HMAC-SHA256 (see application/platforms/signature.ts). The body is one case object or an array
 * of up to 100. Answers: 201 when a ticket was created, 200 when every case was already known
 * (with our ticket numbers either way), 400 malformed, 401 unsigned, 403 bad or stale signature
 * or push not enabled, 404 unknown platform, 413 too large. Nothing a platform sends gives a 5xx;
 * only a database outage answers 503 (retry-after), which a pushing platform should retry.
 *
 * This plugin is registered without fastify-plugin, so its raw-body JSON parser stays inside it.
 */
import { stripBadDeep } from '../../domain/text.js';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../domain/errors.js';
import type { Received } from '../../application/platforms/service.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verify } from '../../application/platforms/signature.js';
import { errors } from '../schemas/common.js';
import type { Container } from '../../composition/container.js';

export const PUSH_BODY_LIMIT = 512 * 1024;
export const MAX_BATCH = 100;

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** What these routes use of the service (src/composition builds it). */
export type PlatformRouteDeps = Pick<Container, 'platforms' | 'clock'>;

export default async function platformRoutes(app: FastifyInstance, deps: PlatformRouteDeps): Promise<void> {
  const { platforms, clock } = deps;

  // The signature covers the bytes as sent, so the body is kept raw and parsed after the check.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'buffer', bodyLimit: PUSH_BODY_LIMIT }, (_req, body, done) => done(null, body));

  app.post<{ Params: { slug: string } }>(
    '/platforms/:slug/cases',
    {
      bodyLimit: PUSH_BODY_LIMIT,
      schema: {
        operationId: 'receivePlatformCases',
        security: [{ platform_signature: [] }],
        tags: ['platforms'],
        summary: '附件2 platform push: one case or an array of cases, HMAC-signed (X-Suban-Timestamp, X-Suban-Signature: sha256=<hex>)',
        params: { type: 'object', properties: { slug: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' } }, required: ['slug'] },
        response: errors(400, 401, 403, 404, 413),
      },
    },
    async (req, reply) => {
      const p = platforms.get(req.params.slug);
      if (!p.secret) throw new AppError('forbidden', 'push_disabled', `${p.name} 未启用推送(未设置 ${p.secretEnv})`);
      // Any other media type was parsed by the app-wide parsers, so its bytes are gone: refuse it.
      if (!Buffer.isBuffer(req.body)) throw new AppError('invalid', 'unsupported_media_type', '推送须为 application/json');
      const raw = req.body;
      const v = verify(p.secret, { timestamp: header(req.headers[TIMESTAMP_HEADER]), signature: header(req.headers[SIGNATURE_HEADER]) }, raw, clock.now());
      if (!v.ok) {
        if (v.reason === 'missing' || v.reason === 'malformed') throw new AppError('unauthorized', 'signature_required', '缺少或格式错误的签名(X-Suban-Timestamp, X-Suban-Signature: sha256=<hex>)');
        throw new AppError('forbidden', v.reason === 'stale' ? 'stale_timestamp' : 'bad_signature', v.reason === 'stale' ? '签名时间戳超出允许范围(±300 秒)' : '签名校验失败');
      }
      let doc: unknown;
      try {
        // NUL and lone surrogates are stripped, not refused: the push is signed and would be retried forever.
        doc = stripBadDeep(JSON.parse(raw.toString('utf8')) as unknown);
      } catch {
        throw new AppError('invalid', 'invalid_json', '请求体不是合法的 JSON');
      }
      if (!Array.isArray(doc)) {
        const r = await platforms.receive(p, doc, 'push');
        return reply.status(r.created ? 201 : 200).send({ platform: p.slug, ...view(r) });
      }
      if (!doc.length) throw new AppError('invalid', 'empty_batch', '案件数组为空');
      if (doc.length > MAX_BATCH) throw new AppError('too_large', 'batch_too_large', `一次最多推送 ${MAX_BATCH} 件`);
      const results: Record<string, unknown>[] = [];
      for (const [index, rec] of doc.entries()) {
        try {
          results.push({ index, ok: true, ...view(await platforms.receive(p, rec, 'push')) });
        } catch (e) {
          if (!(e instanceof AppError) || e.kind !== 'invalid') throw e;
          results.push({ index, ok: false, error: { code: e.code, message: e.message } });
        }
      }
      const ok = results.filter((r) => r.ok);
      if (!ok.length) throw new AppError('invalid', 'bad_cases', '推送的案件全部无效', { results });
      return reply.status(ok.some((r) => r.created) ? 201 : 200).send({ platform: p.slug, results });
    },
  );
}

function view(r: Received) {
  return { caseId: r.caseId, created: r.created, ticket: { id: r.ticket.id, number: r.ticket.number, state: r.ticket.state, unit: r.ticket.unit }, mirrored: r.mirrored };
}
