/**
 * Open311 GeoReport v2: the other kind of outside client (a FixMyStreet-style app). This module
 * holds what the HTTP routes need beyond the ticket service: the service list, the registered
 * client keys and the Open311 fields a ticket has no column for (lat/long, address_id, email...).
 *
 * Services are the request types of the 职责清单 (its `matters`: 路灯损坏, 占道经营 …), what a
 * citizen picks in an app, with their keywords and the owning unit as `group`. Codes are the
 * matters' own ASCII keys from the YAML (streetlight, street-vending): stable when matters are
 * added, reordered or renamed, and readable in a client's configuration. A request filed under a
 * matter carries the matter's unit and category as the routing hint.
 *
 * API keys: a small key store of its own rather than the staff API tokens of AuthService. A staff
 * token is a bearer credential for /api/v1 with operator rights (every ticket, full phone
 * numbers); an Open311 key handed to an app vendor must not be one. Keys are shown once and
 * stored as sha256 hashes in the state store (scope `open311.client`).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DutyList } from '../../domain/routing/duty-list.js';
import { invalid } from '../../domain/errors.js';
import { geoPoint, type Actor, type Category } from '../../domain/tickets/ticket.js';
import type { StateStore } from '../ports/misc.js';
import type { TicketService } from '../tickets/service.js';

export interface Open311Service {
  service_code: string;
  service_name: string;
  description: string;
  metadata: boolean;
  type: 'realtime' | 'batch' | 'blackbox';
  keywords: string;
  group: string;
}

/** The matter behind a service: what a request filed under it is routed by. */
export interface Open311Matter {
  service: Open311Service;
  unit: string | null;
  category: Category;
}

/** The group of a matter that names no unit: the classifier (and the place, for a township) decides. */
export const UNROUTED_GROUP = '热线派单';

/**
 * One service per matter of the duty list whose unit is an active unit of the directory (a matter
 * without a unit is always offered). A list without matters offers one catch-all service, `other`.
 */
export function open311Matters(duty: DutyList, active: ReadonlySet<string>): Open311Matter[] {
  const matters = duty.matters.length ? duty.matters : [{ code: 'other', name: '其他诉求', unit: null, category: '求助' as Category, keywords: [], description: '由热线按职责清单派给承办单位' }];
  return matters
    .filter((m) => m.unit === null || active.has(m.unit))
    .map((m) => ({
      unit: m.unit,
      category: m.category,
      service: { service_code: m.code, service_name: m.name, description: m.description, metadata: false, type: 'realtime', keywords: m.keywords.join(','), group: m.unit ?? UNROUTED_GROUP },
    }));
}

export const open311Services = (duty: DutyList, active: ReadonlySet<string>): Open311Service[] => open311Matters(duty, active).map((m) => m.service);

/** What an Open311 request carries that the ticket has no column for. */
export interface Open311Extra {
  serviceCode: string;
  serviceName: string;
  client: string;
  token: string;
  lat: number | null;
  long: number | null;
  addressString: string | null;
  addressId: string | null;
  email: string | null;
  deviceId: string | null;
  accountId: string | null;
  mediaUrl: string | null;
}

const CLIENTS = 'open311.client';
const CLIENT_NAMES = 'open311.client-name';
const REQUESTS = 'open311.request';
const TOKENS = 'open311.token';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export class Open311Store {
  constructor(
    private readonly state: StateStore,
    private readonly now: () => Date,
  ) {}

  /** Register a client app; returns its api_key (shown once). Registering a name again rotates its key. */
  async registerClient(name: string): Promise<string> {
    if (!/^[\p{L}\p{N}_.-]{2,64}$/u.test(name)) throw new Error('client name: 2–64 letters, digits or _.-');
    await this.revokeClient(name);
    const key = `o311_${randomBytes(24).toString('base64url')}`;
    const hash = sha256(key);
    await this.state.put(CLIENTS, hash, { client: name, createdAt: this.now().toISOString() }, this.now());
    await this.state.put(CLIENT_NAMES, name, { hash }, this.now());
    return key;
  }

  async revokeClient(name: string): Promise<boolean> {
    const found = await this.state.get<{ hash: string }>(CLIENT_NAMES, name, this.now());
    if (!found) return false;
    await this.state.delete(CLIENTS, found.hash);
    await this.state.delete(CLIENT_NAMES, name);
    return true;
  }

  /** The client name behind an api_key, or null. */
  async client(apiKey: string | undefined): Promise<string | null> {
    if (!apiKey || apiKey.length > 200) return null;
    const doc = await this.state.get<{ client: string }>(CLIENTS, sha256(apiKey), this.now());
    return doc?.client ?? null;
  }

  newToken(): string {
    return randomBytes(12).toString('hex');
  }

  async saveRequest(ticketId: string, extra: Open311Extra): Promise<void> {
    // The token first: a retry that finds the request record answers with its token, which must
    // then lead somewhere. A crash between the two leaves only a token nobody was given.
    await this.state.put(TOKENS, extra.token, { ticketId }, this.now());
    await this.state.put(REQUESTS, ticketId, extra, this.now());
  }

  request(ticketId: string): Promise<Open311Extra | null> {
    return this.state.get<Open311Extra>(REQUESTS, ticketId, this.now());
  }

  async ticketOfToken(token: string): Promise<string | null> {
    return (await this.state.get<{ ticketId: string }>(TOKENS, token, this.now()))?.ticketId ?? null;
  }
}

/** A service request (POST requests) as its client sent it: each field trimmed, '' when absent. */
export interface Open311RequestFields {
  serviceCode: string;
  lat: string;
  long: string;
  addressString: string;
  addressId: string;
  description: string;
  mediaUrl: string;
  phone: string;
  email: string;
  firstName: string;
  lastName: string;
  deviceId: string;
  accountId: string;
}

export interface Open311IntakeDeps {
  tickets: Pick<TicketService, 'intake'>;
  store: Pick<Open311Store, 'request' | 'saveRequest' | 'newToken'>;
  /** the matter of a service code, null when there is none */
  matterOf(code: string): Open311Matter | null;
}

function contactName(first: string, last: string): string | null {
  if (!first && !last) return null;
  // Chinese names are written family name first, without a space.
  if (/^\p{Script=Han}*$/u.test(first + last)) return `${last}${first}`;
  return [first, last].filter(Boolean).join(' ');
}

/**
 * The Open311 intake (POST requests): checks a service request as GeoReport v2 asks (an invalid
 * one is an AppError 'invalid' naming what is wrong, answered 400), files it through the ticket
 * service once per client and Idempotency-Key (the header as received), and keeps the Open311
 * fields the ticket has no column for. A replay gets what was saved the first time.
 */
export async function submitOpen311Request(d: Open311IntakeDeps, client: string, b: Open311RequestFields, idem: unknown): Promise<{ number: string; extra: Open311Extra }> {
  const bad = (message: string) => invalid('open311_request', message);
  if (!b.serviceCode) throw bad('service_code is required');
  const matter = d.matterOf(b.serviceCode);
  if (!matter) throw bad(`service_code ${b.serviceCode} not found`);
  const service = matter.service;
  const address = b.addressString || null;
  const addressId = b.addressId || null;
  let lat: number | null = null;
  let long: number | null = null;
  if (b.lat || b.long) {
    lat = Number(b.lat);
    long = Number(b.long);
    if (!b.lat || !b.long || !Number.isFinite(lat) || !Number.isFinite(long) || Math.abs(lat) > 90 || Math.abs(long) > 180) throw bad('lat and long must both be given as WGS84 decimal degrees');
  }
  if (lat === null && !address && !addressId) throw bad('a location is required: lat & long, address_string or address_id');
  const description = b.description;
  if (!description) throw bad('description is required');
  if (description.length > 4000) throw bad('description is longer than 4000 characters');
  const mediaUrl = b.mediaUrl || null;
  if (mediaUrl && !/^https?:\/\/\S+$/.test(mediaUrl)) throw bad('media_url must be an http(s) URL');
  const phone = b.phone || null;
  const email = b.email || null;
  if (email && !/^[^@\s]+@[^@\s]+$/.test(email)) throw bad('email is not an e-mail address');
  const place = address ?? (lat !== null ? `${lat.toFixed(6)},${long!.toFixed(6)}` : `address_id ${addressId}`);
  // GeoReport v2 has no request id of its own: a client that retries after a cut connection
  // sends an Idempotency-Key header (our documented extension) and gets the same request back.
  if (idem !== undefined && (typeof idem !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(idem))) throw bad('Idempotency-Key must be 1–200 printable ASCII characters');
  const idempotencyKey = typeof idem === 'string' ? idem : null;
  const actor: Actor = { id: `open311:${client}`, role: 'citizen', name: client };
  const r = await d.tickets.intake(
    {
      channel: 'open311',
      content: description,
      contact: phone ?? email,
      contactName: contactName(b.firstName, b.lastName),
      // The matter the citizen picked is the routing hint: its unit takes the ticket, its
      // category is the ticket's (a 举报 the classifier sees stays a 举报); a matter without
      // a unit leaves both to the classifier.
      ...(matter.unit ? { unit: matter.unit, unitReason: `Open311 服务类型「${service.service_name}」`, categoryHint: matter.category } : {}),
      place,
      location: lat !== null ? geoPoint(lat, long!, 'open311') : null,
      attachments: mediaUrl ? [{ kind: 'image', url: mediaUrl }] : [],
      sourceKey: idempotencyKey ? `open311:${client}:${idempotencyKey}` : null,
    },
    actor,
    'open311',
  );
  // A replay answers with what was saved; a first attempt cut between the ticket and this record gets it now.
  const saved = r.created ? null : await d.store.request(r.ticket.id);
  const extra: Open311Extra = saved ?? { serviceCode: service.service_code, serviceName: service.service_name, client, token: d.store.newToken(), lat, long, addressString: address, addressId, email, deviceId: b.deviceId || null, accountId: b.accountId || null, mediaUrl };
  if (!saved) await d.store.saveRequest(r.ticket.id, extra);
  return { number: r.ticket.number, extra };
}
