import { asc, eq } from 'drizzle-orm';
import type { Unit, UnitStore } from '../../src/application/ports/users.js';
import type { Database } from './database.js';

export class SqlUnitStore implements UnitStore {
  constructor(private readonly d: Database) {}

  async upsert(units: Unit[]) {
    const t = this.d.t.units;
    await this.d.tx(async (tx) => {
      for (const u of units) {
        await tx
          .insert(t)
          .values({ name: u.name, kind: u.kind, sort: u.sort, headName: u.headName ?? null, headPhone: u.headPhone ?? null, active: u.active })
          .onConflictDoUpdate({ target: t.name, set: { kind: u.kind, sort: u.sort, active: u.active } });
      }
    });
  }

  async list() {
    const rows = await this.d.db.select().from(this.d.t.units).orderBy(asc(this.d.t.units.sort));
    return rows.map((r) => ({ name: r.name, kind: r.kind as Unit['kind'], sort: r.sort, headName: r.headName, headPhone: r.headPhone, active: r.active }));
  }

  async get(name: string) {
    const [r] = await this.d.db.select().from(this.d.t.units).where(eq(this.d.t.units.name, name)).limit(1);
    return r ? { name: r.name, kind: r.kind as Unit['kind'], sort: r.sort, headName: r.headName, headPhone: r.headPhone, active: r.active } : null;
  }
}
