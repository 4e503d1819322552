import type { Role } from '../../domain/policy.js';

export { ROLES, type Role } from '../../domain/policy.js';

export interface User {
  id: string;
  name: string;
  displayName: string | null;
  role: Role;
  /** the unit a `unit` user belongs to */
  unit: string | null;
  /** 网格员: the township (a township unit) and the grid area of a `grid` user */
  township?: string | null;
  gridArea?: string | null;
  phone: string | null;
  disabled: boolean;
}

export interface Credential {
  /** SHA-256 of the secret; the secret itself is shown once and never stored */
  hash: string;
  kind: 'token' | 'session';
  userId: string;
  csrf?: string | null;
  expiresAt: Date | null;
  createdAt: Date;
}

export interface UserStore {
  create(u: User & { passwordHash: string | null }, at: Date): Promise<User>;
  upsertByName(u: User & { passwordHash: string | null }, at: Date): Promise<User>;
  byId(id: string): Promise<User | null>;
  byName(name: string): Promise<(User & { passwordHash: string | null }) | null>;
  list(): Promise<User[]>;
  setDisabled(id: string, disabled: boolean): Promise<void>;
  addCredential(c: Credential): Promise<void>;
  findCredential(hash: string, now: Date): Promise<{ credential: Credential; user: User } | null>;
  deleteCredential(hash: string): Promise<void>;
  /** A user's credentials of one kind (expired ones included), newest first. */
  listCredentials(userId: string, kind: Credential['kind']): Promise<Credential[]>;
  /** Deletes a user's credentials (of one kind, or all), except `keep`; returns the hashes deleted. */
  deleteCredentialsOf(userId: string, kind?: Credential['kind'], keep?: string): Promise<string[]>;
  setPasswordHash(userId: string, passwordHash: string): Promise<void>;
}

export interface Unit {
  name: string;
  kind: 'unit' | 'township';
  sort: number;
  headName?: string | null;
  headPhone?: string | null;
  active: boolean;
}

export interface UnitStore {
  upsert(units: Unit[]): Promise<void>;
  list(): Promise<Unit[]>;
  get(name: string): Promise<Unit | null>;
}
