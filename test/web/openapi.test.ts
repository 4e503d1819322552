import t from 'tap';
import SwaggerParser from '@apidevtools/swagger-parser';
import { testApp } from '../helpers/app.js';

/**
 * The OpenAPI document people generate clients from (/docs/json): valid OpenAPI 3, and every
 * operation has an operationId (unique) and a summary, documents its error answers and says its
 * security. A route added without them fails here, named by method and path.
 */
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;
type Op = { operationId?: string; summary?: string; security?: Record<string, string[]>[]; responses?: Record<string, unknown>; requestBody?: { content?: Record<string, unknown> }; parameters?: { name: string; in: string }[] };

t.test('the generated OpenAPI document', async (t) => {
  // Simulated voice and SMS: the sim routes are in the document too.
  const h = await testApp(t, { env: { SUBAN_VOICE: 'sim', SUBAN_SMS: 'sim' } });
  const res = await h.app.inject('/docs/json');
  t.equal(res.statusCode, 200);
  const doc = res.json();

  await t.test('is valid OpenAPI (@apidevtools/swagger-parser)', async (t) => {
    // validate() dereferences in place: give it a copy.
    const api = await SwaggerParser.validate(structuredClone(doc)).catch((e: Error) => e);
    t.notOk(api instanceof Error, api instanceof Error ? api.message : 'valid');
  });

  const ops: { name: string; path: string; method: string; op: Op }[] = [];
  for (const [path, item] of Object.entries<Record<string, Op>>(doc.paths)) {
    for (const m of METHODS) if (item[m]) ops.push({ name: `${m.toUpperCase()} ${path}`, path, method: m, op: item[m] });
  }

  t.test('every operation has an operationId and a summary', async (t) => {
    t.ok(ops.length > 80, `${ops.length} operations`);
    const missing = ops.filter((o) => !o.op.operationId || !o.op.summary?.trim());
    t.same(
      missing.map((o) => `${o.name}: ${[!o.op.operationId && 'operationId', !o.op.summary?.trim() && 'summary'].filter(Boolean).join(' and ')} missing`),
      [],
      'add schema.operationId and schema.summary to these routes',
    );
    const seen = new Map<string, string>();
    const dup: string[] = [];
    for (const o of ops) {
      const id = o.op.operationId;
      if (!id) continue;
      if (seen.has(id)) dup.push(`${id}: ${seen.get(id)} and ${o.name}`);
      seen.set(id, o.name);
      t.match(id, /^[a-z][A-Za-z0-9]*$/, `${o.name}: operationId ${id} is camelCase`);
    }
    t.same(dup, [], 'operationIds are unique');
  });

  t.test('every operation documents its error answers', async (t) => {
    const noErrors = ops.filter((o) => o.path !== '/healthz' && !Object.keys(o.op.responses ?? {}).some((c) => /^[45]\d\d$/.test(c)));
    t.same(noErrors.map((o) => o.name), [], 'these routes document no 4xx/5xx answer: add ...errors(…) to schema.response');
    for (const o of ops.filter((x) => x.path.startsWith('/api/v1/'))) {
      for (const [code, r] of Object.entries(o.op.responses ?? {})) {
        if (!/^[45]/.test(code)) continue;
        const schema = (r as { content?: Record<string, { schema?: { $ref?: string } }> }).content?.['application/json']?.schema;
        t.equal(schema?.$ref, '#/components/schemas/Error', `${o.name} ${code}: the one error shape, by reference`);
      }
    }
  });

  t.test('security per route: none on health, api_key on Open311, bearer or session on the API', async (t) => {
    const schemes = Object.keys(doc.components.securitySchemes).sort();
    t.same(schemes, ['api_key', 'bearer', 'platform_signature', 'session']);
    t.same(doc.security, [{ bearer: [] }, { session: [] }], 'the API default');
    const effective = (o: Op) => o.security ?? doc.security;
    for (const o of ops) {
      const sec = effective(o.op);
      if (o.path === '/healthz' || o.path === '/readyz') t.same(sec, [], `${o.name}: no credentials`);
      else if (o.path.startsWith('/open311/')) {
        const named = sec.flatMap((s: Record<string, string[]>) => Object.keys(s));
        t.ok(named.every((n: string) => n === 'api_key'), `${o.name}: only api_key`);
        if (o.method === 'post') t.same(sec, [{ api_key: [] }], `${o.name}: a key is required`);
      } else if (o.path.startsWith('/platforms/')) t.same(sec, [{ platform_signature: [] }], `${o.name}: the platform's signature`);
      else if (o.path === '/api/v1/auth/login') t.same(sec, [], 'login needs no credentials');
      else if (o.path.startsWith('/api/v1/')) t.same(sec, [{ bearer: [] }, { session: [] }], `${o.name}: bearer token or session cookie`);
    }
  });

  t.test('named component schemas', async (t) => {
    const names = Object.keys(doc.components.schemas);
    for (const n of ['Error', 'Ticket', 'Open311Service', 'Open311ServiceRequest', 'Open311Error']) t.ok(names.includes(n), `components.schemas.${n}`);
    t.notOk(names.some((n) => /^def-\d+$/.test(n)), `no anonymous def-N components (${names.filter((n) => /^def-/.test(n)).join(', ')})`);
  });

  t.test('Open311 bodies and parameters are described', async (t) => {
    const post = doc.paths['/open311/v2/requests.{format}'].post as Op;
    t.ok(post.requestBody?.content?.['application/x-www-form-urlencoded'], 'the standard form body');
    t.ok(post.requestBody?.content?.['application/json'], 'and JSON');
    const body = (post.requestBody!.content!['application/json'] as { schema: { $ref?: string; required?: string[]; properties?: Record<string, unknown> } }).schema;
    const resolved = body.$ref ? doc.components.schemas[body.$ref.split('/').pop()!] : body;
    t.same(resolved.required, ['service_code', 'description']);
    for (const f of ['lat', 'long', 'address_string', 'address_id', 'media_url', 'phone', 'email']) t.ok(resolved.properties[f]?.description, `field ${f} described`);
    const list = doc.paths['/open311/v2/requests.{format}'].get as Op;
    for (const p of ['service_code', 'start_date', 'end_date', 'status', 'page', 'page_size']) t.ok(list.parameters?.some((x) => x.name === p && x.in === 'query'), `parameter ${p}`);
    t.ok(list.parameters?.some((x) => x.name === 'format' && x.in === 'path'), 'json or xml');
  });

  t.test('the simulator routes are schema\u2019d', async (t) => {
    const sim = ops.filter((o) => o.path.startsWith('/api/v1/sim/'));
    t.ok(sim.length >= 4, `${sim.length} sim operations`);
    for (const o of sim) t.ok(Object.keys(o.op.responses ?? {}).some((c) => /^2/.test(c)), `${o.name}: a documented success answer`);
    const calls = doc.paths['/api/v1/sim/calls'].post as Op;
    t.ok(calls.requestBody, 'POST /api/v1/sim/calls has a body schema');
  });
});
