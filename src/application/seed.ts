import { randomBytes } from 'node:crypto';
import type { Role } from '../domain/policy.js';
import type { AuthService } from './auth.js';
import type { Unit, UnitStore, UserStore } from './ports/users.js';

/** config/units.json as written (adapters/fs-config/units.ts reads it). */
export interface UnitsFile {
  units: string[];
  townships: string[];
  departments?: string[];
}

/** The directory's units from the file's lists, in the order the console shows them. */
export function directoryUnits(raw: UnitsFile): Unit[] {
  return [
    ...raw.units.map((name, i) => ({ name, kind: 'unit' as const, sort: i, active: true })),
    ...raw.townships.map((name, i) => ({ name, kind: 'township' as const, sort: 100 + i, active: true })),
    // Managing departments of 附件2 platforms that approve replies (merged-review) without being one
    // of the 65 member units, e.g. 市委办 for 民声通道: their users sign in to review.
    ...(raw.departments ?? []).map((name, i) => ({ name, kind: 'unit' as const, sort: 200 + i, active: true })),
  ];
}

export const DEMO_USERS: { name: string; role: Role; unit?: string; township?: string; gridArea?: string; displayName: string }[] = [
  { name: 'operator', role: 'operator', displayName: '话务员小李' },
  { name: 'chengguan', role: 'unit', unit: '市城管局', displayName: '市城管局值班员' },
  { name: 'water', role: 'unit', unit: '润泉供水公司', displayName: '润泉供水公司值班员' },
  { name: 'supervisor', role: 'supervisor', displayName: '热线办督办员' },
  { name: 'admin', role: 'admin', displayName: '系统管理员' },
  { name: 'grid', role: 'grid', township: '象湖镇', gridArea: '红都社区第3网格', displayName: '象湖镇网格员小王' },
  { name: 'media', role: 'media', displayName: '市融媒体中心编辑' },
];

/**
 * Units of 附件1 (65 member units + 18 townships, as the composition root read them) and, for the
 * demo, one user per role.
 */
export async function seed(deps: { units: UnitStore; users: UserStore; auth: AuthService; directoryUnits: readonly Unit[] }, demoUsers: boolean) {
  const units = [...deps.directoryUnits];
  await deps.units.upsert(units);
  const created: { name: string; role: Role; unit?: string; password: string }[] = [];
  if (demoUsers) {
    const missing = [];
    for (const u of DEMO_USERS) if (!(await deps.users.byName(u.name))) missing.push(u);
    // Hashing is deliberately slow; the users are independent, so hash them side by side.
    const made = await Promise.all(
      missing.map(async (u) => {
        const password = randomBytes(9).toString('base64url');
        await deps.auth.addUser({ ...u, password });
        return { ...u, password };
      }),
    );
    created.push(...made);
  }
  return { units: units.length, createdUsers: created };
}
