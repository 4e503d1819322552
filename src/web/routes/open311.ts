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
import { XMLBuilder } from 'fast-xml-parser';
import { AppError } from '../../domain/errors.js';
import { loadDutyList, type DutyList } from '../../domain/routing/duty-list.js';
import { STATE_LABELS, type Ticket, type TicketState } from '../../domain/tickets/ticket.js';
import { Open311Store, open311Services, type Open311Extra, type Open311Service } from '../../application/platforms/open311.js';
import { maskPersonalText, roundCoordinate, streetLevel } from '../../domain/privacy.js';

type Format = 'json' | 'xml';

/** An Open311 error: the HTTP status doubles as the error code, as in the standard's examples. */
class Open311Error extends Error {
  constructor(
    readonly status: 400 | 403 | 404,
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

function splitFile(file: string): { name: string; format: Format } {
  const m = /^(.+)\.(json|xml)$/i.exec(file);
  if (!m) throw new Open311Error(404, `unknown resource ${file}: add .json or .xml`);
  return { name: m[1]!, format: m[2]!.toLowerCase() as Format };
}

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

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : Array.isArray(v) ? String(v[0] ?? '').trim() : '');

function parseDate(name: string, v: string): Date {
  const d = new Date(v);
  if (!v || Number.isNaN(d.getTime())) throw new Open311Error(400, `${name} must be a W3C date-time, e.g. 2026-11-26T10:00:00+08:00`);
  return d;
}

function contactName(first: string, last: string): string | null {
  if (!first && !last) return null;
  // Chinese names are written family name first, without a space.
  if (/^\p{Script=Han}*$/u.test(first + last)) return `${last}${first}`;
  return [first, last].filter(Boolean).join(' ');
}

export default async function open311Routes(app: FastifyInstance): Promise<void> {
  const { tickets, ticketStore, state, clock, unitNames, config } = app.ctx;
  const store = new Open311Store(state, () => clock.now());
  // Read at boot, like the classifier's copy: a broken duty list stops the start, not a request.
  const duty: DutyList = loadDutyList(config.dutyList);
  const services = (): Open311Service[] => open311Services(duty, unitNames);
  const byCode = (code: string) => services().find((s) => s.service_code === code) ?? null;

  await app.register(
    async (o) => {
      o.setErrorHandler((err: FastifyError | Error, req, reply) => {
        const f = formatOf(req);
        let status: 400 | 403 | 404 | 413 | 429 | 500 = 500;
        let description = '服务器内部错误';
        if (err instanceof Open311Error) [status, description] = [err.status, err.message];
        else if (err instanceof AppError) {
          status = err.kind === 'forbidden' || err.kind === 'unauthorized' ? 403 : err.kind === 'not_found' ? 404 : err.kind === 'too_large' ? 413 : err.kind === 'invalid' || err.kind === 'conflict' ? 400 : 500;
          description = err.message;
        } else if ((err as FastifyError).statusCode && (err as FastifyError).statusCode! < 500) {
          const code = (err as FastifyError).statusCode;
          status = code === 413 ? 413 : code === 429 ? 429 : 400;
          description = err.message;
        }
        if (status === 500) req.log.error({ err }, 'open311 error');
        return send(reply, f, status, 'errors', 'error', [{ code: status, description }]);
      });
      o.setNotFoundHandler((req, reply) => send(reply, formatOf(req), 404, 'errors', 'error', [{ code: 404, description: `no such resource: ${req.method} ${req.url.split('?')[0]}` }]));

      o.get<{ Params: { file: string } }>('/:file', async (req, reply) => {
        const { name, format } = splitFile(req.params.file);
        if (name === 'services') return send(reply, format, 200, 'services', 'service', services() as unknown as Record<string, unknown>[]);
        if (name === 'discovery') return discovery(reply, format);
        if (name === 'requests') return listRequests(req, reply, format);
        throw new Open311Error(404, `unknown resource ${req.params.file}`);
      });

      o.get<{ Params: { file: string } }>('/services/:file', async (req, reply) => {
        const { name, format } = splitFile(req.params.file);
        const s = byCode(name);
        if (!s) throw new Open311Error(404, `service_code ${name} not found`);
        // No service asks for extra attributes (metadata=false), so the definition has none.
        if (format === 'json') return reply.send({ service_code: s.service_code, attributes: [] });
        return reply.type('text/xml; charset=utf-8').send(`<?xml version="1.0" encoding="utf-8"?>\n${xml.build({ service_definition: { service_code: s.service_code, attributes: '' } })}`);
      });

      o.get<{ Params: { file: string } }>('/requests/:file', async (req, reply) => {
        const { name, format } = splitFile(req.params.file);
        const t = await ticketStore.getByNumber(name);
        const client = await clientOf(req);
        const view = t && t.channel === 'open311' ? await requestView(t, client) : null;
        if (!view) throw new Open311Error(404, `service_request_id ${name} not found`);
        return send(reply, format, 200, 'service_requests', 'request', [view]);
      });

      o.get<{ Params: { file: string } }>('/tokens/:file', async (req, reply) => {
        const { name, format } = splitFile(req.params.file);
        const id = /^[0-9a-f]{24}$/.test(name) ? await store.ticketOfToken(name) : null;
        const t = id ? await ticketStore.get(id) : null;
        if (!t) throw new Open311Error(404, `token ${name} not found`);
        return send(reply, format, 200, 'service_requests', 'request', [{ service_request_id: t.number, token: name }]);
      });

      o.post<{ Params: { file: string }; Body: Record<string, unknown> }>('/:file', async (req, reply) => {
        const { name, format } = splitFile(req.params.file);
        if (name !== 'requests') throw new Open311Error(404, `unknown resource ${req.params.file}`);
        const b = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
        const client = await store.client(str(b.api_key));
        if (!client) throw new Open311Error(403, 'api_key missing or not valid');
        const code = str(b.service_code);
        if (!code) throw new Open311Error(400, 'service_code is required');
        const service = byCode(code);
        if (!service) throw new Open311Error(400, `service_code ${code} not found`);
        const latS = str(b.lat);
        const longS = str(b.long);
        const address = str(b.address_string) || null;
        const addressId = str(b.address_id) || null;
        let lat: number | null = null;
        let long: number | null = null;
        if (latS || longS) {
          lat = Number(latS);
          long = Number(longS);
          if (!latS || !longS || !Number.isFinite(lat) || !Number.isFinite(long) || Math.abs(lat) > 90 || Math.abs(long) > 180) throw new Open311Error(400, 'lat and long must both be given as WGS84 decimal degrees');
        }
        if (lat === null && !address && !addressId) throw new Open311Error(400, 'a location is required: lat & long, address_string or address_id');
        const description = str(b.description);
        if (!description) throw new Open311Error(400, 'description is required');
        if (description.length > 4000) throw new Open311Error(400, 'description is longer than 4000 characters');
        const mediaUrl = str(b.media_url) || null;
        if (mediaUrl && !/^https?:\/\/\S+$/.test(mediaUrl)) throw new Open311Error(400, 'media_url must be an http(s) URL');
        const phone = str(b.phone) || null;
        const email = str(b.email) || null;
        if (email && !/^[^@\s]+@[^@\s]+$/.test(email)) throw new Open311Error(400, 'email is not an e-mail address');
        const place = address ?? (lat !== null ? `${lat.toFixed(6)},${long!.toFixed(6)}` : `address_id ${addressId}`);
        // GeoReport v2 has no request id of its own: a client that retries after a cut connection
        // sends an Idempotency-Key (our documented extension) and gets the same request back.
        const idem = req.headers['idempotency-key'];
        if (idem !== undefined && (typeof idem !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(idem))) throw new Open311Error(400, 'Idempotency-Key must be 1–200 printable ASCII characters');
        const r = await tickets.intake(
          {
            channel: 'open311',
            content: description,
            contact: phone ?? email,
            contactName: contactName(str(b.first_name), str(b.last_name)),
            unit: service.service_name,
            place,
            attachments: mediaUrl ? [{ kind: 'image', url: mediaUrl }] : [],
            sourceKey: idem ? `open311:${client}:${idem}` : null,
          },
          { id: `open311:${client}`, role: 'citizen', name: client },
          'open311',
        );
        // A replay answers with what was saved; a first attempt cut between the ticket and this record gets it now.
        const saved = r.created ? null : await store.request(r.ticket.id);
        const extra: Open311Extra = saved ?? { serviceCode: service.service_code, serviceName: service.service_name, client, token: store.newToken(), lat, long, addressString: address, addressId, email, deviceId: str(b.device_id) || null, accountId: str(b.account_id) || null, mediaUrl };
        if (!saved) await store.saveRequest(r.ticket.id, extra);
        return send(reply, format, 200, 'service_requests', 'request', [{ service_request_id: r.ticket.number, token: extra.token, service_notice: `已受理,工单号 ${r.ticket.number}`, account_id: extra.accountId }]);
      });
    },
    { prefix: '/open311/v2' },
  );

  function discovery(reply: FastifyReply, format: Format) {
    const base = `${config.publicUrl}/open311/v2/`;
    const doc = {
      changeset: '2026-01-01T00:00:00Z',
      contact: '12345 政务服务便民热线',
      key_service: 'api_key 由热线办登记发放',
      endpoints: [{ specification: 'http://wiki.open311.org/GeoReport_v2', url: base, changeset: '2026-01-01T00:00:00Z', type: 'production', formats: ['application/json', 'text/xml'] }],
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
      requested_datetime: t.createdAt.toISOString(),
      updated_datetime: t.updatedAt.toISOString(),
      expected_datetime: t.replyDeadline?.toISOString() ?? null,
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
    const service = code ? byCode(code) : null;
    if (code && !service) throw new Open311Error(400, `service_code ${code} not found`);
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
    const filter = { channel: 'open311', unit: service?.service_name, state: states, from: from ?? undefined, to: to ? new Date(to.getTime() + 1) : undefined };
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
    return send(reply, format, 200, 'service_requests', 'request', await views(items, client));
  }
}
