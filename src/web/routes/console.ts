/**
 * The web console: the built bundle (console/dist) under /assets, index.html for every client
 * route, and the few read-only endpoints only the console needs (session restore, reference
 * lists, WeChat hand-overs, the IVR flow graph, the 职责清单 view) plus `/ws/console`, the live
 * feed every role gets. Registered last, after the API, so it never shadows an API route.
 */
import { DECIDER_ROLES, OFFICE_ROLES } from '../../domain/policy.js';
import { assertLiveRegistered } from '../ws/hub.js';
import { assertSocketOrigin } from '../plugins/ws-origin.js';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../../domain/errors.js';
import type { DutyList } from '../../domain/routing/duty-list.js';
import { stepTargets, type FlowDefinition, type StepSpec } from '../../application/ivr/flow.js';
import { FlowRegistry } from '../../application/ivr/registry.js';
import { HANDOVER_SCOPE, type HandoverDoc } from '../../application/conversation/wiring.js';
import { SESSION_COOKIE } from '../plugins/auth.js';
import { errors } from '../schemas/common.js';
import { ConsoleSession } from '../../contracts/directory.js';
import type { Container } from '../../composition/container.js';

/** The built console (adapters/files/console-bundle.ts reads console/dist). */
export interface ConsoleBundle {
  /** where it is, for the log line when it is not built */
  dist: string;
  /** the hashed assets' directory, served by @fastify/static; null when not built */
  assetsDir: string | null;
  /** index.html, or null when not built (asked again until it is) */
  index(): string | null;
}

/** Paths the console's router owns; anything else keeps the API's 404. */
export const CLIENT_ROUTES = ['/', '/login', '/desk', '/inbox', '/tickets', '/tickets/:id', '/duty', '/duty/edit', '/board', '/board/accountability', '/admin', '/account', '/grid', '/media', '/mayor-day', '/knowledge'];

/**
 * Endpoints other parts of Suban add (duty/paging, stats). The console asks which exist before
 * calling them, so a build without one shows an honest 暂无数据 instead of a failed request.
 */
export const OPTIONAL_ROUTES: Record<string, { method: 'GET' | 'POST'; url: string }> = {
  onDuty: { method: 'GET', url: '/api/v1/duty/on-duty' },
  schedule: { method: 'GET', url: '/api/v1/duty/rosters/:unit/schedule' },
  pages: { method: 'GET', url: '/api/v1/duty/pages' },
  rates: { method: 'GET', url: '/api/v1/stats/rates' },
  hotspots: { method: 'GET', url: '/api/v1/supervision/hotspots' },
  supervised: { method: 'GET', url: '/api/v1/supervision/tickets' },
  /** the simulator bridges a held call when the operator takes it (demo, tests) */
  simAnswer: { method: 'POST', url: '/api/v1/sim/calls/:id/answer' },
};

/** What these routes use of the service (src/composition builds it), and where the bundle is. */
export interface ConsoleOptions extends Pick<Container, 'auth' | 'clock' | 'config' | 'state' | 'calls' | 'dutyList' | 'flowFiles'> {
  /** the built console (tests may point elsewhere) */
  bundle: ConsoleBundle;
  heartbeatMs?: number;
}

export interface FlowGraph {
  name: string;
  file: string;
  description: string | null;
  start: string;
  steps: { id: string; verb: string; line: number; text: string; edges: { to: string; label: string }[] }[];
}

/** A flow as nodes and labelled edges, for the admin page's drawing. */
export function flowGraph(def: FlowDefinition): FlowGraph {
  const steps = [...def.steps.values()].map((s) => ({ id: s.id, verb: s.verb, line: s.line, text: stepText(s), edges: stepEdges(s) }));
  return { name: def.name, file: def.file, description: def.description ?? null, start: def.start, steps };
}

function stepText(s: StepSpec): string {
  switch (s.verb) {
    case 'say':
      return s.text;
    case 'gather':
      return s.label ?? s.prompt.map((p) => (p.kind === 'say' ? p.text : p.url)).join(' ');
    case 'queue':
      return `${s.name}（优先级 ${s.priority}，${s.timeLimitSec} 秒）`;
    case 'action':
      return s.name;
    case 'branch':
      return s.if.kind === 'workingHours' ? '工作时间？' : s.if.kind === 'callerBlocked' ? '黑名单？' : s.if.kind === 'equals' ? `${s.if.var} = ${String(s.if.value)}` : `${s.if.var} ∈ ${s.if.values.join('/')}`;
    case 'record':
      return `录音 ${s.maxLengthSec} 秒`;
    case 'sms':
      return s.text;
    case 'dial':
      return s.number;
    case 'play':
      return s.url;
    case 'hangup':
      return s.result ?? '挂机';
    case 'goto':
      return `→ ${s.to}`;
    case 'answer':
      return `一次性答复：${s.text}`;
  }
}

/** The fields of a verb's spec that name a next step. */
type TargetField<V extends StepSpec['verb']> = { [K in keyof Extract<StepSpec, { verb: V }>]-?: Extract<StepSpec, { verb: V }>[K] extends string | undefined ? K : never }[keyof Extract<StepSpec, { verb: V }>];

/** How the drawing labels each way on, verb by verb; a verb not here gets unlabelled edges to all its targets. */
const EDGE_LABELS: { [V in StepSpec['verb']]?: readonly (readonly [TargetField<V>, string])[] } = {
  gather: [['next', '输入'], ['onNoInput', '无输入'], ['onInvalid', '无效']],
  branch: [['then', '是'], ['else', '否']],
  queue: [['onAnswered', '接通后'], ['onTimeout', '超时']],
  record: [['next', ''], ['onNoInput', '未录到']],
  dial: [['next', ''], ['onFailed', '失败']],
  sms: [['next', ''], ['onError', '出错']],
  action: [['next', ''], ['onError', '出错']],
  answer: [['solved', '按1 已解决'], ['next', '按2 转人工'], ['onNoMatch', '无答案']],
};

function stepEdges(s: StepSpec): { to: string; label: string }[] {
  const seen = new Map<string, string[]>();
  const add = (to: string | undefined, label: string) => {
    if (!to) return;
    seen.set(to, [...(seen.get(to) ?? []), label].filter(Boolean));
  };
  if (s.verb === 'gather') for (const b of s.branches) add(b.to, `按${b.key}${b.label ? ` ${b.label}` : ''}`);
  const labelled = EDGE_LABELS[s.verb] as readonly (readonly [keyof typeof s, string])[] | undefined;
  if (labelled) for (const [field, label] of labelled) add(s[field] as string | undefined, label);
  else for (const t of stepTargets(s)) add(t, '');
  return [...seen].map(([to, labels]) => ({ to, label: labels.join(' / ') }));
}

function dutyListView(d: DutyList) {
  return {
    units: d.units.map((u) => ({
      name: u.name,
      categories: u.categories,
      keywords: [...u.keywords].sort((a, b) => b[1] - a[1]).map(([k, w]) => ({ phrase: k, weight: w })),
      examples: u.examples,
      boundary: u.boundary,
    })),
    townships: d.townships.map((t) => ({ name: t.name, places: t.places })),
    urgent: d.urgent.map((r) => ({ id: r.id, label: r.label, unit: r.unit, phrases: r.phrases, except: r.except })),
  };
}

export default async function consoleRoutes(app: FastifyInstance, opts: ConsoleOptions): Promise<void> {
  const { auth, clock, config, state, calls } = opts;
  const { bundle } = opts;
  const duty = () => opts.dutyList();

  // ---- the bundle ------------------------------------------------------------------------------
  if (bundle.assetsDir) {
    await app.register(fastifyStatic, {
      root: bundle.assetsDir,
      prefix: '/assets/',
      // file names carry a content hash
      immutable: true,
      maxAge: '365d',
      index: false,
    });
  } else {
    app.log.warn({ dist: bundle.dist }, 'console is not built (npm run build): the web console is unavailable');
  }
  let index: string | null = null;
  const sendIndex = (reply: FastifyReply) => {
    index ??= bundle.index();
    if (!index) return reply.status(503).type('text/plain; charset=utf-8').send('控制台尚未构建：请运行 npm run build');
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(index);
  };
  for (const url of CLIENT_ROUTES) app.get(url, { schema: { hide: true } }, (_req, reply) => sendIndex(reply));
  // Any other page address: the console with status 404; it shows its own 页面不存在 page.
  app.errorPages.notFound = sendIndex;

  // ---- console-only reads ------------------------------------------------------------------------
  const office = app.requireAuth([...OFFICE_ROLES]);

  app.get('/api/v1/console/session', { schema: { operationId: 'getConsoleSession', tags: ['console'], summary: 'the signed-in console user and the CSRF token to echo (after a page reload)', response: { 200: ConsoleSession, ...errors(503) } } }, async (req) => {
    const cookie = req.cookies[SESSION_COOKIE];
    const found = cookie ? await auth.authenticate(cookie, 'session') : null;
    // 200 either way: a signed-out visitor is not an error the browser should log.
    // `now` is the service's clock: deadlines and report periods are read against it, not the PC's.
    const now = clock.now().toISOString();
    return found ? { user: found.principal, csrf: found.csrf, now } : { user: null, csrf: null, now };
  });

  app.get('/api/v1/console/features', { preValidation: app.requireAuth(), schema: { operationId: 'getConsoleFeatures', tags: ['console'], summary: 'which optional API parts this build has', response: errors(401) } }, async () =>
    Object.fromEntries(Object.entries(OPTIONAL_ROUTES).map(([k, r]) => [k, app.hasRoute(r)])),
  );

  app.get('/api/v1/console/reference', { preValidation: app.requireAuth(), schema: { operationId: 'getConsoleReference', tags: ['console'], summary: 'townships for the intake form, and the voice provider (how handsets reach callers)', response: errors(401) } }, async () => ({
    townships: duty().townships.map((t) => t.name),
    voice: config.voice,
  }));

  app.get('/api/v1/console/handovers', { preValidation: office, schema: { operationId: 'listHandovers', tags: ['console'], summary: 'WeChat citizens waiting for an operator (人工)', response: errors(401, 403) } }, async () => {
    const docs = await state.list<HandoverDoc>(HANDOVER_SCOPE, clock.now());
    return { items: docs.map(({ doc }) => ({ channel: doc.channel, contactId: doc.contactId, since: doc.since, first: true, lines: doc.transcript.slice(-20) })) };
  });

  app.get('/api/v1/admin/flows', { preValidation: app.requireAuth([...DECIDER_ROLES]), schema: { operationId: 'getIvrFlows', tags: ['console'], summary: 'the IVR flows in service, as graphs', response: errors(401, 403) } }, async () => {
    let registry: Pick<FlowRegistry, 'names' | 'get' | 'errors'> | undefined = calls?.registry;
    if (!registry || registry.names().length === 0) {
      const r = new FlowRegistry(opts.flowFiles);
      r.load();
      registry = r;
    }
    const reg = registry;
    return { flows: reg.names().map((n) => flowGraph(reg.get(n)!.def)), errors: reg.errors().map((e) => ({ file: e.file, line: e.line, message: e.message })) };
  });

  app.get('/api/v1/admin/duty-list', { preValidation: app.requireAuth([...OFFICE_ROLES]), schema: { operationId: 'getDutyList', tags: ['console'], summary: 'the 职责清单 in service', response: errors(401, 403) } }, async () => dutyListView(duty()));

  // ---- live feed for every role (its sockets live in the one hub, ws/hub.ts) --------------------
  assertLiveRegistered(app, '/ws/console');
  const hub = app.liveHub;
  hub.feed('console', { heartbeatMs: opts.heartbeatMs ?? 20_000, close: { code: 1001, reason: 'server shutting down' } });

  app.get(
    '/ws/console',
    {
      websocket: true,
      schema: { hide: true },
      preValidation: async (req) => {
        assertSocketOrigin(req, config.publicUrl);
        if (!req.principal) throw new AppError('unauthorized', 'unauthenticated', '请先登录');
      },
    },
    (socket, req) => {
      const c = hub.join('console', socket, req.principal!);
      app.liveSockets.track(socket, c.principal.id, req.credentialHash);
      hub.send(c, JSON.stringify({ type: 'hello', user: { id: c.principal.id, role: c.principal.role, unit: c.principal.unit } }));
    },
  );
}
