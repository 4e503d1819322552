import { and, asc, desc, eq, gt, isNull, ne, or } from 'drizzle-orm';
import type { Credential, User, UserStore } from '../../src/application/ports/users.js';
import type { Database } from './database.js';

type UserRow = Database['t']['users']['$inferSelect'];

const toUser = (r: UserRow): User => ({
  id: r.id,
  name: r.name,
  displayName: r.displayName,
  role: r.role as User['role'],
  unit: r.unit,
  township: r.township,
  gridArea: r.gridArea,
  phone: r.phone,
  disabled: r.disabled,
});

export class SqlUserStore implements UserStore {
  constructor(private readonly d: Database) {}

  async create(u: User & { passwordHash: string | null }, at: Date) {
    await this.d.db.insert(this.d.t.users).values({ ...u, createdAt: at.getTime() });
    return u;
  }

  async upsertByName(u: User & { passwordHash: string | null }, at: Date) {
    const t = this.d.t.users;
    const { id, name, ...rest } = u;
    const [r] = await this.d.db
      .insert(t)
      .values({ ...u, createdAt: at.getTime() })
      .onConflictDoUpdate({ target: t.name, set: rest })
      .returning();
    return toUser(r!);
  }

  async byId(id: string) {
    const [r] = await this.d.db.select().from(this.d.t.users).where(eq(this.d.t.users.id, id)).limit(1);
    return r ? toUser(r) : null;
  }

  async byName(name: string) {
    const [r] = await this.d.db.select().from(this.d.t.users).where(eq(this.d.t.users.name, name)).limit(1);
    return r ? { ...toUser(r), passwordHash: r.passwordHash } : null;
  }

  async list() {
    const rows = await this.d.db.select().from(this.d.t.users).orderBy(asc(this.d.t.users.name));
    return rows.map(toUser);
  }

  async setDisabled(id: string, disabled: boolean) {
    await this.d.db.update(this.d.t.users).set({ disabled }).where(eq(this.d.t.users.id, id));
  }

  async addCredential(c: Credential) {
    await this.d.db.insert(this.d.t.credentials).values({
      hash: c.hash,
      kind: c.kind,
      userId: c.userId,
      csrf: c.csrf ?? null,
      expiresAt: c.expiresAt ? c.expiresAt.getTime() : null,
      createdAt: c.createdAt.getTime(),
    });
  }

  async findCredential(hash: string, now: Date) {
    const c = this.d.t.credentials;
    const [r] = await this.d.db
      .select({ cred: c, user: this.d.t.users })
      .from(c)
      .innerJoin(this.d.t.users, eq(this.d.t.users.id, c.userId))
      .where(and(eq(c.hash, hash), or(isNull(c.expiresAt), gt(c.expiresAt, now.getTime()))))
      .limit(1);
    if (!r || r.user.disabled) return null;
    return {
      credential: { hash: r.cred.hash, kind: r.cred.kind as Credential['kind'], userId: r.cred.userId, csrf: r.cred.csrf, expiresAt: r.cred.expiresAt ? new Date(Number(r.cred.expiresAt)) : null, createdAt: new Date(Number(r.cred.createdAt)) },
      user: toUser(r.user),
    };
  }

  async deleteCredential(hash: string) {
    await this.d.db.delete(this.d.t.credentials).where(eq(this.d.t.credentials.hash, hash));
  }

  async listCredentials(userId: string, kind: Credential['kind']) {
    const c = this.d.t.credentials;
    const rows = await this.d.db.select().from(c).where(and(eq(c.userId, userId), eq(c.kind, kind))).orderBy(desc(c.createdAt));
    return rows.map((r) => ({ hash: r.hash, kind: r.kind as Credential['kind'], userId: r.userId, csrf: r.csrf, expiresAt: r.expiresAt ? new Date(Number(r.expiresAt)) : null, createdAt: new Date(Number(r.createdAt)) }));
  }

  async deleteCredentialsOf(userId: string, kind?: Credential['kind'], keep?: string) {
    const c = this.d.t.credentials;
    const where = and(eq(c.userId, userId), kind ? eq(c.kind, kind) : undefined, keep ? ne(c.hash, keep) : undefined);
    const rows = await this.d.db.delete(c).where(where).returning({ hash: c.hash });
    return rows.map((r) => r.hash);
  }

  async setPasswordHash(userId: string, passwordHash: string) {
    await this.d.db.update(this.d.t.users).set({ passwordHash }).where(eq(this.d.t.users.id, userId));
  }
}
