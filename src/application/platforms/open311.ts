/**
 * Open311 GeoReport v2: the other kind of outside client (a FixMyStreet-style app). This module
 * holds what the HTTP routes need beyond the ticket service: the service list, the registered
 * client keys and the Open311 fields a ticket has no column for (lat/long, address_id, email...).
 *
 * Services are the units of the 职责清单 (one service per unit that owns matters): a citizen app
 * shows "市城管局: 路灯、占道经营…". Codes are `u` + 8 hex of sha256(unit name): ASCII for any
 * client, stable when units are added or reordered, and derived, so nothing has to be stored.
 *
 * API keys: a small key store of its own rather than the staff API tokens of AuthService. A staff
 * token is a bearer credential for /api/v1 with operator rights (every ticket, full phone
 * numbers); an Open311 key handed to an app vendor must not be one. Keys are shown once and
 * stored as sha256 hashes in the state store (scope `open311.client`).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DutyList } from '../../domain/routing/duty-list.js';
import type { StateStore } from '../ports/misc.js';

export interface Open311Service {
  service_code: string;
  service_name: string;
  description: string;
  metadata: boolean;
  type: 'realtime' | 'batch' | 'blackbox';
  keywords: string;
  group: string;
}

export const serviceCode = (unit: string) => `u${createHash('sha256').update(unit).digest('hex').slice(0, 8)}`;

/** One service per duty-list unit that is also an active unit of the directory. */
export function open311Services(duty: DutyList, active: ReadonlySet<string>): Open311Service[] {
  return duty.units
    .filter((u) => active.has(u.name))
    .map((u) => {
      const top = [...u.keywords.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k]) => k);
      return {
        service_code: serviceCode(u.name),
        service_name: u.name,
        description: u.boundary ?? (u.examples.length ? `例如:${u.examples.slice(0, 2).join(';')}` : u.name),
        metadata: false,
        type: 'realtime',
        keywords: top.join(','),
        group: /公司$/.test(u.name) ? '公用企业' : /镇$|乡$|社区$/.test(u.name) ? '乡镇' : '职能部门',
      };
    });
}

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
