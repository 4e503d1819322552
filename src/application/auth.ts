import { createHash, randomBytes, randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import type { Clock } from '../domain/clock.js';
import { AppError, invalid } from '../domain/errors.js';
import { ROLES, type Principal, type Role } from '../domain/policy.js';
import type { AuditLog } from './ports/misc.js';
import type { UnitStore, User, UserStore } from './ports/users.js';
import { TtlCache } from './token-cache.js';
import { checkPassword, passwordProblem } from '../domain/password-policy.js';
import type { LoginThrottle } from './login-throttle.js';

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const secret = (prefix: string) => `${prefix}_${randomBytes(32).toString('base64url')}`;

export interface NewUser {
  name: string;
  role: Role;
  unit?: string | null;
  /** 网格员: township (a township unit) and grid area */
  township?: string | null;
  gridArea?: string | null;
  displayName?: string | null;
  phone?: string | null;
  password?: string | null;
}

/** Credentials that stopped working (bus topic TOPIC.authRevoked): every credential of `userId` when `hashes` is absent, else just those. */
export interface RevokedCredentials {
  userId: string;
  hashes?: string[];
}

export interface TokenInfo {
  /** the first 16 hex digits of the token's SHA-256: enough to name it, useless to use it */
  id: string;
  createdAt: Date;
  expiresAt: Date | null;
  expired: boolean;
}

export const tokenId = (hash: string) => hash.slice(0, 16);

export const toPrincipal = (u: User): Principal => ({ id: u.id, name: u.displayName ?? u.name, role: u.role, unit: u.unit });

/** Users, API tokens and console sessions. Secrets are returned once and stored only as hashes. */
export class AuthService {
  private readonly cache = new TtlCache<{ principal: Principal; csrf: string | null; hash: string; expiresAt: number | null } | null>(5_000);

  constructor(
    private readonly users: UserStore,
    private readonly units: UnitStore,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly sessionHours: number,
    /** config/common-passwords.txt, lower-case: passwords no account may use */
    private readonly commonPasswords: ReadonlySet<string>,
    private readonly throttle?: LoginThrottle,
    /** told when credentials stop working, so live sockets opened with them close at once (on every instance, over the bus) */
    private readonly onRevoked: (e: RevokedCredentials) => void = () => undefined,
  ) {}

  async addUser(u: NewUser, upsert = false): Promise<User> {
    if (!/^[\p{L}\p{N}_.@-]{2,64}$/u.test(u.name)) throw invalid('bad_name', '用户名应为 2–64 位字母、数字或 _.@-');
    if (!ROLES.includes(u.role)) throw invalid('bad_role', `角色应为 ${ROLES.join('/')}`);
    if (u.role === 'unit') {
      if (!u.unit || !(await this.units.get(u.unit))) throw invalid('unknown_unit', `承办单位用户必须属于一个已知单位:${u.unit ?? '(空)'}`);
    }
    if (u.role === 'grid') {
      const town = u.township ? await this.units.get(u.township) : null;
      if (!town || town.kind !== 'township') throw invalid('unknown_township', `网格员必须属于一个乡镇:${u.township ?? '(空)'}`);
      if (!u.gridArea?.trim()) throw invalid('grid_area_required', '网格员必须填写网格(如 红都社区第3网格)');
    }
    if (u.password !== undefined && u.password !== null) checkPassword(u.password, u.name, this.commonPasswords);
    const passwordHash = u.password ? await argon2.hash(u.password) : null;
    const user = { id: randomUUID(), name: u.name, role: u.role, unit: u.role === 'unit' ? (u.unit ?? null) : null, township: u.role === 'grid' ? (u.township ?? null) : null, gridArea: u.role === 'grid' ? (u.gridArea?.trim() ?? null) : null, displayName: u.displayName ?? null, phone: u.phone ?? null, disabled: false, passwordHash };
    const now = this.clock.now();
    if (!upsert && (await this.users.byName(u.name))) throw new AppError('conflict', 'user_exists', `用户 ${u.name} 已存在`);
    const saved = upsert ? await this.users.upsertByName(user, now) : await this.users.create(user, now);
    await this.audit.append({ at: now, actorId: 'system', kind: 'user.saved', subject: `user:${saved.id}`, data: { name: u.name, role: u.role, unit: u.unit, ...(u.role === 'grid' ? { township: u.township, gridArea: u.gridArea } : {}) } });
    return saved;
  }

  /** A new API token, shown once; `expiresAt` (optional) ends it. */
  async issueToken(userId: string, opts: { expiresAt?: Date | null } = {}): Promise<string> {
    if (opts.expiresAt && opts.expiresAt.getTime() <= this.clock.now().getTime()) throw invalid('bad_expiry', '到期时间必须在将来');
    const token = secret('sbn');
    await this.users.addCredential({ hash: sha256(token), kind: 'token', userId, expiresAt: opts.expiresAt ?? null, createdAt: this.clock.now() });
    return token;
  }

  async listTokens(userId: string): Promise<TokenInfo[]> {
    const now = this.clock.now().getTime();
    return (await this.users.listCredentials(userId, 'token')).map((c) => ({ id: tokenId(c.hash), createdAt: c.createdAt, expiresAt: c.expiresAt, expired: !!c.expiresAt && c.expiresAt.getTime() <= now }));
  }

  /** Revokes one of a user's API tokens by its id; live sockets opened with it close. */
  async revokeToken(userId: string, id: string, actorId: string): Promise<void> {
    const found = (await this.users.listCredentials(userId, 'token')).find((c) => tokenId(c.hash) === id);
    if (!found) throw new AppError('not_found', 'token_not_found', `令牌 ${id} 不存在`);
    await this.users.deleteCredential(found.hash);
    this.cache.delete(`token:${found.hash}`);
    this.onRevoked({ userId, hashes: [found.hash] });
    await this.audit.append({ at: this.clock.now(), actorId, kind: 'token.revoked', subject: `user:${userId}`, data: { token: id } });
  }

  private async user(userId: string): Promise<User> {
    const u = await this.users.byId(userId);
    if (!u) throw new AppError('not_found', 'user_not_found', `用户 ${userId} 不存在`);
    return u;
  }

  /**
   * Disables (or enables) a user: a disabled user cannot log in, its sessions are deleted and its
   * tokens stop working (they work again once enabled), and its live sockets close at once.
   */
  async setDisabled(userId: string, disabled: boolean, actorId: string): Promise<User> {
    const u = await this.user(userId);
    if (disabled && userId === actorId) throw invalid('cannot_disable_self', '不能停用自己的账号');
    await this.users.setDisabled(userId, disabled);
    if (disabled) {
      await this.users.deleteCredentialsOf(userId, 'session');
      this.cache.clear();
      this.onRevoked({ userId });
    }
    await this.audit.append({ at: this.clock.now(), actorId, kind: disabled ? 'user.disabled' : 'user.enabled', subject: `user:${userId}`, data: { name: u.name } });
    return { ...u, disabled };
  }

  /** An admin resets a password: a new one that follows the rules is returned once; the user's sessions end and a login lock is lifted. */
  async resetPassword(userId: string, actorId: string): Promise<string> {
    const u = await this.user(userId);
    let password = '';
    do password = randomBytes(12).toString('base64url');
    while (passwordProblem(password, u.name, this.commonPasswords));
    await this.users.setPasswordHash(userId, await argon2.hash(password));
    await this.endSessions(userId);
    await this.throttle?.unlock(u.name);
    await this.audit.append({ at: this.clock.now(), actorId, kind: 'user.password_reset', subject: `user:${userId}`, data: { name: u.name } });
    return password;
  }

  /** Everyone changes their own password (the current one is asked); their other sessions end. */
  async changeOwnPassword(userId: string, current: string, next: string, keepSession?: string): Promise<void> {
    const u = await this.user(userId);
    const full = await this.users.byName(u.name);
    const ok = full?.passwordHash ? await argon2.verify(full.passwordHash, current).catch(() => false) : false;
    if (!ok) throw new AppError('forbidden', 'bad_current_password', '当前密码不正确');
    checkPassword(next, u.name, this.commonPasswords);
    if (next === current) throw invalid('weak_password', '新密码不能与当前密码相同');
    await this.users.setPasswordHash(userId, await argon2.hash(next));
    await this.endSessions(userId, keepSession ? sha256(keepSession) : undefined);
    await this.audit.append({ at: this.clock.now(), actorId: userId, kind: 'user.password_changed', subject: `user:${userId}` });
  }

  private async endSessions(userId: string, keep?: string): Promise<void> {
    const ended = await this.users.deleteCredentialsOf(userId, 'session', keep);
    for (const h of ended) this.cache.delete(`session:${h}`);
    if (ended.length) this.onRevoked({ userId, hashes: ended });
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

  /** Login locks in force (accounts and addresses), for the admin. */
  async loginLocks(): Promise<{ key: string; lockedUntil: Date; failures: number }[]> {
    return (await this.throttle?.lockedNow()) ?? [];
  }

  /** An admin lifts a lock by its key, e.g. the address of an office whose shared address guessed wrong too often. */
  async liftLoginLock(key: string, actorId: string): Promise<boolean> {
    const was = (await this.throttle?.unlockKey(key)) ?? false;
    await this.audit.append({ at: this.clock.now(), actorId, kind: 'login.unlocked', subject: `login:${key}`, data: { wasLocked: was } });
    return was;
  }

  async logout(session: string) {
    const hash = sha256(session);
    const found = await this.users.findCredential(hash, this.clock.now());
    this.cache.delete(`session:${hash}`);
    await this.users.deleteCredential(hash);
    // The console's sockets opened with this session close at once.
    if (found) this.onRevoked({ userId: found.user.id, hashes: [hash] });
  }

  /** The principal behind a bearer token or a session cookie, or null. */
  async authenticate(secretValue: string, kind: 'token' | 'session'): Promise<{ principal: Principal; csrf: string | null; hash: string } | null> {
    if (!secretValue || secretValue.length > 200) return null;
    const hash = sha256(secretValue);
    const key = `${kind}:${hash}`;
    const now = this.clock.now().getTime();
    const cached = this.cache.get(key);
    // A memo never outlives the credential's own expiry.
    if (cached && (cached.expiresAt === null || cached.expiresAt > now)) return { principal: cached.principal, csrf: cached.csrf, hash };
    const found = await this.users.findCredential(hash, this.clock.now());
    const result = found && found.credential.kind === kind ? { principal: toPrincipal(found.user), csrf: found.credential.csrf ?? null, hash } : null;
    // Unknown secrets are not remembered: a flood of random tokens must not evict real ones.
    if (result) this.cache.set(key, { ...result, expiresAt: found!.credential.expiresAt?.getTime() ?? null });
    return result;
  }
}
