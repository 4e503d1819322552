/**
 * Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2/, in .json and .xml:
 *   GET  discovery, services, services/{code}, requests (filters + paging), requests/{id}, tokens/{token}
 *   POST requests (application/x-www-form-urlencoded, api_key)
 *
 * Deliberate differences from the rest of the API, because Open311 clients expect the standard:
 * - errors are the standard array `[{code, description}]` (`<errors><error>…` in XML) with the
 *   HTTP status as code, NOT our usual `{error:{code,message}}`;
 * - service_request_id is our ticket number (20261126-0001), what a citizen quotes on the phone.
 *
 * Choices the standard leaves open (documented for client vendors):
 * - Paging of GET requests uses the common `page` (from 1) and `page_size` (1–1000, default 1000)
 *   extension; a `Link: <…>; rel="next"` header points at the next page when there is one.
 * - GET requests lists only requests filed through Open311 and never returns contact fields:
 *   phone and WeChat tickets are not public. Without a key it shows what a public board would:
 *   service, status (no reply text), the place at street level (coordinates to ~100 m, no
 *   address_id, no media), dates, and the description with phone numbers, ID numbers and names
 *   masked. 举报 and the private services (纪委监委, 信访, 公安) are never listed nor shown. With
 *   `api_key` (query string) a client sees its own requests in full, private ones included; a
 *   page may hold fewer than page_size requests once private ones are left out.
 * - Without start_date/end_date, GET requests covers the last 90 days (as the standard suggests).
 * - status: open = anything not yet 办结; closed = 已办结 or 已并单 (merged into another request).
 * - jurisdiction_id is accepted and ignored: one deployment serves one jurisdiction.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cors from '@fastify/cors';
import { XMLBuilder } from 'fast-xml-parser';
import { Type } from 'typebox';
import * as S from '../schemas/open311.js';
import { AppError } from '../../domain/errors.js';
import type { DutyList } from '../../domain/routing/duty-list.js';
import { STATE_LABELS, type Ticket, type TicketState } from '../../domain/tickets/ticket.js';
import { Open311Store, open311Matters, submitOpen311Request, type Open311Matter, type Open311RequestFields, type Open311Service } from '../../application/platforms/open311.js';
import { maskPersonalText, roundCoordinate, streetLevel } from '../../domain/privacy.js';
import type { Container } from '../../composition/container.js';

type Format = 'json' | 'xml';
const FormatParams = Type.Object({ format: S.FormatEnum });
const UNSUPPORTED_BODY = 'send the request as application/x-www-form-urlencoded (the standard) or application/json';

/** An Open311 error: the HTTP status doubles as the error code, as in the standard's examples. */
class Open311Error extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 415,
    message: string,
  ) {
    super(message);
  }
}

const CLOSED: TicketState[] = ['closed', 'merged'];
const OPEN: TicketState[] = ['accepted', 'dispatched', 'returned', 'handling', 'replied', 'reviewing'];
const MAX_PAGE_SIZE = 1000;
const DEFAULT_DAYS = 90;
const xml = new XMLBuilder({ format: true, suppressEmptyNode: false });

/** Services whose requests are never public (reports to 纪委监委, 信访, the police). */
const PRIVATE_SERVICE = /纪委|监委|信访|公安/;
/** A request nobody but its own client may see: any 举报, and anything for a private service. */
export const isPrivateRequest = (t: Ticket): boolean => t.category === '举报' || PRIVATE_SERVICE.test(t.unit ?? '');

/** Null → empty element; XML has no null. */
const blank = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v === null || v === undefined ? '' : v]));

function send(reply: FastifyReply, format: Format, status: number, root: string, item: string, list: Record<string, unknown>[]) {
  reply.status(status);
  if (format === 'json') return reply.type('application/json; charset=utf-8').send(list);
  return reply.type('text/xml; charset=utf-8').send(`<?xml version="1.0" encoding="utf-8"?>\n${xml.build({ [root]: { [item]: list.map(blank) } })}`);
}

function formatOf(req: FastifyRequest): Format {
  return /\.xml(\?|$)/i.test(req.url) ? 'xml' : 'json';
}

/** A field as text: form fields are strings; a JSON body may carry numbers (lat, long) and booleans. */
const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : typeof v === 'number' || typeof v === 'boolean' ? String(v) : Array.isArray(v) ? str(v[0]) : '');

/** Open311 datetimes in the city's own offset, as GeoReport's examples do (2026-11-26T10:00:00+08:00). */
export const open311Time = (d: Date): string => `${new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;

/** A schema error as one line a client developer can act on. */
function validationMessage(err: FastifyError): string {
  const v = err.validation?.[0];
  if (!v) return err.message;
  const field = v.instancePath.replace(/^\//, '').replace(/\//g, '.') || (v.params as { missingProperty?: string }).missingProperty || '';
  return `${err.validationContext ?? 'request'}${field ? ` ${field}` : ''}: ${v.message ?? 'is not valid'}`;
}

function parseDate(name: string, v: string): Date {
  const d = new Date(v);
  if (!v || Number.isNaN(d.getTime())) throw new Open311Error(400, `${name} must be a W3C date-time, e.g. 2026-11-26T10:00:00+08:00`);
  return d;
}

/** What these routes use of the service (src/composition builds it). */
export type Open311RouteDeps = Pick<Container, 'tickets' | 'ticketStore' | 'state' | 'clock' | 'unitNames' | 'config' | 'dutyList'>;

export default async function open311Routes(app: FastifyInstance, deps: Open311RouteDeps): Promise<void> {
  const { tickets, ticketStore, state, clock, unitNames, config, dutyList } = deps;
  const store = new Open311Store(state, () => clock.now());
  // Read at boot, like the classifier's copy: a broken duty list stops the start, not a request.
  const duty: DutyList = dutyList();
  const matters = (): Open311Matter[] => open311Matters(duty, unitNames);
  const services = (): Open311Service[] => matters().map((m) => m.service);
  const matterOf = (code: string) => matters().find((m) => m.service.service_code === code) ?? null;
  const byCode = (code: string) => matterOf(code)?.service ?? null;

  await app.register(
    async (o) => {
      // Browser apps on the listed origins may call Open311 (the API and the console are same-origin only).
      if (config.open311CorsOrigins.length) {
        await o.register(cors, {
          origin: config.open311CorsOrigins.includes('*') ? '*' : config.open311CorsOrigins,
          methods: ['GET', 'POST'],
          allowedHeaders: ['Content-Type', 'Idempotency-Key'],
          exposedHeaders: ['Link'],
          maxAge: 600,
        });
      }
      o.setErrorHandler((err: FastifyError | Error, req, reply) => {
        const f = formatOf(req);
        let status: 400 | 403 | 404 | 413 | 415 | 429 | 500 = 500;
        let description = '服务器内部错误';
        if (err instanceof Open311Error) [status, description] = [err.status, err.message];
        else if (err instanceof AppError) {
          status = err.kind === 'forbidden' || err.kind === 'unauthorized' ? 403 : err.kind === 'not_found' ? 404 : err.kind === 'too_large' ? 413 : err.kind === 'invalid' || err.kind === 'conflict' ? 400 : 500;
          description = err.message;
        } else if ((err as FastifyError).validation) {
          status = 400;
          description = validationMessage(err as FastifyError);
        } else if ((err as FastifyError).statusCode && (err as FastifyError).statusCode! < 500) {
          const code = (err as FastifyError).statusCode;
          status = code === 413 ? 413 : code === 415 ? 415 : code === 429 ? 429 : 400;
          description = code === 415 ? UNSUPPORTED_BODY : err.message;
        }
        if (status === 500) req.log.error({ err }, 'open311 error');
        return send(reply, f, status, 'errors', 'error', [{ code: status, description }]);
      });
      o.setNotFoundHandler((req, reply) => send(reply, formatOf(req), 404, 'errors', 'error', [{ code: 404, description: `no such resource: ${req.method} ${req.url.split('?')[0]}` }]));

      o.get<{ Params: { format: Format } }>('/discovery.:format', { schema: { operationId: 'open311Discovery', summary: 'Open311 discovery: the endpoint, its formats and how keys are issued', tags: ['open311'], security: [], params: FormatParams, response: { 200: S.Discovery, ...S.open311Errors(400, 404) } } }, async (req, reply) => discovery(reply, req.params.format));

      o.get<{ Params: { format: Format } }>('/services.:format', { schema: { operationId: 'open311ListServices', summary: 'the request types (职责清单 matters) a citizen can file, with their owning unit as group', tags: ['open311'], security: [], params: FormatParams, response: { 200: Type.Array(S.Service), ...S.open311Errors(400, 404) } } }, async (req, reply) => send(reply, req.params.format, 200, 'services', 'service', services() as unknown as Record<string, unknown>[]));

      o.get<{ Params: { service_code: string; format: Format } }>('/services/:service_code.:format', { schema: { operationId: 'open311GetServiceDefinition', summary: 'the definition of one service (no service asks for extra attributes)', tags: ['open311'], security: [], params: Type.Object({ service_code: Type.String({ maxLength: 64, description: 'a service_code from services.json' }), format: S.FormatEnum }), response: { 200: S.ServiceDefinition, ...S.open311Errors(400, 404) } } }, async (req, reply) => {
        const s = byCode(req.params.service_code);
        if (!s) throw new Open311Error(404, `service_code ${req.params.service_code} not found`);
        // No service asks for extra attributes (metadata=false), so the definition has none.
        if (req.params.format === 'json') return reply.send({ service_code: s.service_code, attributes: [] });
        return reply.type('text/xml; charset=utf-8').send(`<?xml version="1.0" encoding="utf-8"?>\n${xml.build({ service_definition: { service_code: s.service_code, attributes: '' } })}`);
      });

      o.get<{ Params: { format: Format }; Querystring: Record<string, string> }>('/requests.:format', { schema: { operationId: 'open311ListRequests', summary: 'requests filed through Open311: the public board, or a client’s own in full with its api_key', tags: ['open311'], security: [{}, { api_key: [] }], params: FormatParams, querystring: S.ListRequestsQuery, response: { 200: Type.Array(S.ServiceRequest), ...S.open311Errors(400) } } }, async (req, reply) => listRequests(req, reply, req.params.format));

      o.get<{ Params: { service_request_id: string; format: Format } }>('/requests/:service_request_id.:format', { schema: { operationId: 'open311GetRequest', summary: 'one request by its service_request_id (our ticket number)', tags: ['open311'], security: [{}, { api_key: [] }], params: Type.Object({ service_request_id: Type.String({ maxLength: 64, description: 'the ticket number, e.g. 20261126-0001' }), format: S.FormatEnum }), querystring: S.KeyQuery, response: { 200: Type.Array(S.ServiceRequest), ...S.open311Errors(400, 404) } } }, async (req, reply) => {
        const name = req.params.service_request_id;
        const t = await ticketStore.getByNumber(name);
        const client = await clientOf(req);
        const view = t && t.channel === 'open311' ? await requestView(t, client) : null;
        if (!view) throw new Open311Error(404, `service_request_id ${name} not found`);
        return send(reply, req.params.format, 200, 'service_requests', 'request', [view]);
      });

      o.get<{ Params: { token: string; format: Format } }>('/tokens/:token.:format', { schema: { operationId: 'open311GetRequestIdByToken', summary: 'the service_request_id behind a token returned by POST requests', tags: ['open311'], security: [], params: Type.Object({ token: Type.String({ maxLength: 64 }), format: S.FormatEnum }), response: { 200: Type.Array(S.TokenLookup), ...S.open311Errors(400, 404) } } }, async (req, reply) => {
        const name = req.params.token;
        const id = /^[0-9a-f]{24}$/.test(name) ? await store.ticketOfToken(name) : null;
        const t = id ? await ticketStore.get(id) : null;
        if (!t) throw new Open311Error(404, `token ${name} not found`);
        return send(reply, req.params.format, 200, 'service_requests', 'request', [{ service_request_id: t.number, token: name }]);
      });

      o.post<{ Params: { format: Format }; Body: Record<string, unknown>; Querystring: Record<string, string> }>(
        '/requests.:format',
        {
          schema: {
            operationId: 'open311CreateRequest',
            summary: 'file a request (a ticket on channel open311); form-encoded as the standard says, or JSON',
            tags: ['open311'],
            security: [{ api_key: [] }],
            consumes: ['application/x-www-form-urlencoded', 'application/json'],
            produces: ['application/json', 'text/xml'],
            params: FormatParams,
            querystring: S.KeyQuery,
            headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ description: 'our extension: a retry with the same key gets the same request back, never a second ticket (1–200 printable ASCII)' })) }),
            body: S.CreateRequestBody,
            response: { 200: Type.Array(S.CreatedRequest), ...S.open311Errors(400, 403, 413, 415, 429) },
          },
          // The key before the fields (403 before 400), as on the rest of the API.
          preValidation: async (req) => {
            // Fastify also parses text/plain; Open311 bodies are form fields or a JSON object.
            if (typeof req.body === 'string') throw new Open311Error(415, UNSUPPORTED_BODY);
            const b = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
            const client = await store.client(str(b.api_key) || str(req.query?.api_key));
            if (!client) throw new Open311Error(403, 'api_key missing or not valid');
            (req as FastifyRequest & { open311Client?: string }).open311Client = client;
          },
        },
        async (req, reply) => {
          const format = req.params.format;
          const b = req.body;
          const client = (req as FastifyRequest & { open311Client?: string }).open311Client!;
          const fields: Open311RequestFields = {
            serviceCode: str(b.service_code),
            lat: str(b.lat),
            long: str(b.long),
            addressString: str(b.address_string),
            addressId: str(b.address_id),
            description: str(b.description),
            mediaUrl: str(b.media_url),
            phone: str(b.phone),
            email: str(b.email),
            firstName: str(b.first_name),
            lastName: str(b.last_name),
            deviceId: str(b.device_id),
            accountId: str(b.account_id),
          };
          const { number, extra } = await submitOpen311Request({ tickets, store, matterOf }, client, fields, req.headers['idempotency-key']);
          return send(reply, format, 200, 'service_requests', 'request', [{ service_request_id: number, token: extra.token, service_notice: `已受理,工单号 ${number}`, account_id: extra.accountId }]);
        },
      );
    },
    { prefix: '/open311/v2' },
  );

  function discovery(reply: FastifyReply, format: Format) {
    const base = `${config.publicUrl}/open311/v2/`;
    const doc = {
      changeset: '2026-12-07T00:00:00+08:00',
      contact: '12345 政务服务便民热线',
      key_service: 'api_key 由热线办登记发放',
      endpoints: [{ specification: 'http://wiki.open311.org/GeoReport_v2', url: base, changeset: '2026-12-07T00:00:00+08:00', type: 'production', formats: ['application/json', 'text/xml'] }],
    };
    if (format === 'json') return reply.send(doc);
    const x = { discovery: { ...doc, endpoints: { endpoint: doc.endpoints.map((e) => ({ ...e, formats: { format: e.formats } })) } } };
    return reply.type('text/xml; charset=utf-8').send(`<?xml version="1.0" encoding="utf-8"?>\n${xml.build(x)}`);
  }

  /** The client whose api_key the query string carries, or null (the public). */
  async function clientOf(req: FastifyRequest): Promise<string | null> {
    const key = str((req.query as Record<string, unknown>).api_key);
    return key ? store.client(key) : null;
  }

  /** The full view for the client that filed the request; the public board's view for everyone else; null when the public may not see it. */
  async function requestView(t: Ticket, client: string | null) {
    const x = await store.request(t.id);
    const own = !!client && x?.client === client;
    if (!own && isPrivateRequest(t)) return null;
    const closed = CLOSED.includes(t.state);
    const notes = [STATE_LABELS[t.state], own && t.lastReply ? `答复:${t.lastReply}` : ''].filter(Boolean).join(';');
    const address = x?.addressString ?? t.place ?? null;
    return {
      service_request_id: t.number,
      status: closed ? 'closed' : 'open',
      status_notes: notes,
      service_name: x?.serviceName ?? t.unit ?? '',
      service_code: x?.serviceCode ?? '',
      description: own ? t.content : maskPersonalText(t.content, [t.contactName]),
      agency_responsible: t.unit ?? '12345热线',
      service_notice: '',
      requested_datetime: open311Time(t.createdAt),
      updated_datetime: open311Time(t.updatedAt),
      expected_datetime: t.replyDeadline ? open311Time(t.replyDeadline) : null,
      address: own ? address : streetLevel(address),
      address_id: own ? (x?.addressId ?? null) : null,
      zipcode: null,
      lat: own ? (x?.lat ?? null) : roundCoordinate(x?.lat),
      long: own ? (x?.long ?? null) : roundCoordinate(x?.long),
      media_url: own ? (x?.mediaUrl ?? t.attachments.find((a) => a.kind === 'image')?.url ?? null) : null,
    };
  }

  const views = async (list: Ticket[], client: string | null) => (await Promise.all(list.map((t) => requestView(t, client)))).filter((v): v is NonNullable<typeof v> => !!v);

  async function listRequests(req: FastifyRequest, reply: FastifyReply, format: Format) {
    const q = req.query as Record<string, unknown>;
    const client = await clientOf(req);
    const ids = str(q.service_request_id);
    if (ids) {
      // The standard: with service_request_id, every other parameter is ignored.
      const numbers = [...new Set(ids.split(',').map((s) => s.trim()).filter(Boolean))].slice(0, 100);
      const found = (await Promise.all(numbers.map((n) => ticketStore.getByNumber(n)))).filter((t): t is Ticket => !!t && t.channel === 'open311');
      return send(reply, format, 200, 'service_requests', 'request', await views(found, client));
    }
    const code = str(q.service_code);
    const matter = code ? matterOf(code) : null;
    if (code && !matter) throw new Open311Error(400, `service_code ${code} not found`);
    const end = str(q.end_date) ? parseDate('end_date', str(q.end_date)) : null;
    const start = str(q.start_date) ? parseDate('start_date', str(q.start_date)) : null;
    const to = end ?? (start ? null : clock.now());
    const from = start ?? (end ? null : new Date(clock.now().getTime() - DEFAULT_DAYS * 86400_000));
    let states: TicketState[] | undefined;
    const status = str(q.status);
    if (status) {
      const wanted = status.split(',').map((s) => s.trim());
      if (wanted.some((s) => s !== 'open' && s !== 'closed')) throw new Open311Error(400, 'status must be open or closed');
      states = [...(wanted.includes('open') ? OPEN : []), ...(wanted.includes('closed') ? CLOSED : [])];
    }
    const page = str(q.page) ? Number(str(q.page)) : 1;
    const size = str(q.page_size) ? Number(str(q.page_size)) : MAX_PAGE_SIZE;
    if (!Number.isInteger(page) || page < 1 || page > 1000) throw new Open311Error(400, 'page must be an integer from 1');
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) throw new Open311Error(400, `page_size must be 1–${MAX_PAGE_SIZE}`);
    if (page * size > 10 * MAX_PAGE_SIZE) throw new Open311Error(400, 'page × page_size may not exceed 10000: narrow the dates instead');
    // Newest first; the store pages by cursor, so walk to the wanted page.
    // A matter with a unit narrows the query to that unit; the service code itself is matched on the
    // saved request (a page may then hold fewer than page_size requests, like private ones).
    const filter = { channel: 'open311', unit: matter?.unit ?? undefined, state: states, from: from ?? undefined, to: to ? new Date(to.getTime() + 1) : undefined };
    let cursor: string | null = null;
    let items: Ticket[] = [];
    for (let p = 1; p <= page; p++) {
      const r: { items: Ticket[]; next: string | null } = await ticketStore.list(filter, { limit: size, cursor });
      items = r.items;
      cursor = r.next;
      if (!cursor && p < page) {
        items = [];
        break;
      }
    }
    if (cursor) {
      const next = new URL(req.url, 'http://x');
      next.searchParams.set('page', String(page + 1));
      next.searchParams.set('page_size', String(size));
      reply.header('link', `<${config.publicUrl}${next.pathname}${next.search}>; rel="next"`);
    }
    const list = (await views(items, client)).filter((v) => !code || v.service_code === code);
    return send(reply, format, 200, 'service_requests', 'request', list);
  }
}
