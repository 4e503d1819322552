import { createHash, randomBytes, randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import type { Clock } from '../domain/clock.js';
import { AppError, invalid } from '../domain/errors.js';
import { ROLES, type Principal, type Role } from '../domain/policy.js';
import type { AuditLog } from './ports/misc.js';
import type { UnitStore, User, UserStore } from './ports/users.js';
import { TtlCache } from './token-cache.js';
import { checkPassword } from '../domain/password-policy.js';
import type { LoginThrottle } from './login-throttle.js';

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const secret = (prefix: string) => `${prefix}_${randomBytes(32).toString('base64url')}`;

export interface NewUser {
  name: string;
  role: Role;
  unit?: string | null;
  displayName?: string | null;
  phone?: string | null;
  password?: string | null;
}

export const toPrincipal = (u: User): Principal => ({ id: u.id, name: u.displayName ?? u.name, role: u.role, unit: u.unit });

/** Users, API tokens and console sessions. Secrets are returned once and stored only as hashes. */
export class AuthService {
  private readonly cache = new TtlCache<{ principal: Principal; csrf: string | null } | null>(5_000);

  constructor(
    private readonly users: UserStore,
    private readonly units: UnitStore,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly sessionHours: number,
    private readonly throttle?: LoginThrottle,
  ) {}

  async addUser(u: NewUser, upsert = false): Promise<User> {
    if (!/^[\p{L}\p{N}_.@-]{2,64}$/u.test(u.name)) throw invalid('bad_name', '用户名应为 2–64 位字母、数字或 _.@-');
    if (!ROLES.includes(u.role)) throw invalid('bad_role', `角色应为 ${ROLES.join('/')}`);
    if (u.role === 'unit') {
      if (!u.unit || !(await this.units.get(u.unit))) throw invalid('unknown_unit', `承办单位用户必须属于一个已知单位:${u.unit ?? '(空)'}`);
    }
    if (u.password !== undefined && u.password !== null) checkPassword(u.password, u.name);
    const passwordHash = u.password ? await argon2.hash(u.password) : null;
    const user = { id: randomUUID(), name: u.name, role: u.role, unit: u.role === 'unit' ? (u.unit ?? null) : null, displayName: u.displayName ?? null, phone: u.phone ?? null, disabled: false, passwordHash };
    const now = this.clock.now();
    if (!upsert && (await this.users.byName(u.name))) throw new AppError('conflict', 'user_exists', `用户 ${u.name} 已存在`);
    const saved = upsert ? await this.users.upsertByName(user, now) : await this.users.create(user, now);
    await this.audit.append({ at: now, actorId: 'system', kind: 'user.saved', subject: `user:${saved.id}`, data: { name: u.name, role: u.role, unit: u.unit } });
    return saved;
  }

  async issueToken(userId: string): Promise<string> {
    const token = secret('sbn');
    await this.users.addCredential({ hash: sha256(token), kind: 'token', userId, expiresAt: null, createdAt: this.clock.now() });
    return token;
  }

  /** `address` is the client's (throttled per account and per address when the service has a throttle). */
  async login(name: string, password: string, address: string | null = null): Promise<{ session: string; csrf: string; user: User; expiresAt: Date }> {
    await this.throttle?.check(name, address);
    const u = await this.users.byName(name);
    // Verify against a dummy hash for unknown users too, so timing does not reveal which names exist.
    const ok = u?.passwordHash ? await argon2.verify(u.passwordHash, password).catch(() => false) : (await argon2.hash(password).catch(() => ''), false);
    if (!u || !ok || u.disabled) {
      const locked = (await this.throttle?.failed(name, address)) ?? [];
      if (u && locked.some((k) => k.startsWith('account:'))) await this.audit.append({ at: this.clock.now(), actorId: 'system', kind: 'login.locked', subject: `user:${u.id}`, data: { address } });
      throw new AppError('unauthorized', 'bad_credentials', '用户名或密码错误');
    }
    await this.throttle?.succeeded(name);
    const session = secret('sess');
    const csrf = randomBytes(18).toString('base64url');
    const expiresAt = new Date(this.clock.now().getTime() + this.sessionHours * 3600_000);
    await this.users.addCredential({ hash: sha256(session), kind: 'session', userId: u.id, csrf, expiresAt, createdAt: this.clock.now() });
    const { passwordHash: _ph, ...user } = u;
    return { session, csrf, user, expiresAt };
  }

  /** An admin lifts the login lock of a user. */
  async unlockLogin(userId: string, actorId: string): Promise<{ wasLocked: boolean }> {
    const u = await this.users.byId(userId);
    if (!u) throw new AppError('not_found', 'user_not_found', `用户 ${userId} 不存在`);
    const wasLocked = (await this.throttle?.unlock(u.name)) ?? false;
    await this.audit.append({ at: this.clock.now(), actorId, kind: 'login.unlocked', subject: `user:${u.id}`, data: { wasLocked } });
    return { wasLocked };
  }

  async logout(session: string) {
    this.cache.delete(`session:${sha256(session)}`);
    await this.users.deleteCredential(sha256(session));
  }

  /** The principal behind a bearer token or a session cookie, or null. */
  async authenticate(secretValue: string, kind: 'token' | 'session'): Promise<{ principal: Principal; csrf: string | null } | null> {
    if (!secretValue || secretValue.length > 200) return null;
    const hash = sha256(secretValue);
    const key = `${kind}:${hash}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const found = await this.users.findCredential(hash, this.clock.now());
    const result = found && found.credential.kind === kind ? { principal: toPrincipal(found.user), csrf: found.credential.csrf ?? null } : null;
    // Unknown secrets are not remembered: a flood of random tokens must not evict real ones.
    if (result) this.cache.set(key, result);
    return result;
  }
}
