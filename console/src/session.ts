import { ApiError, get, post, setCsrf, whenUnauthorized } from './api.js';
import { setServerNow } from './format.js';
import { Store } from './store.js';
import type { ConsoleSession, User } from './types.js';

/** undefined = not known yet (restoring), null = signed out. */
export const session = new Store<User | null | undefined>(undefined);

whenUnauthorized(() => {
  setCsrf(null);
  session.set(null);
});

/** After a reload the cookie is still there; the CSRF token is asked for again. */
export async function restore(): Promise<void> {
  try {
    const r = await get<ConsoleSession>('/api/v1/console/session');
    setServerNow(r.now);
    setCsrf(r.csrf);
    session.set(r.user);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) console.warn('session restore failed', e);
    session.set(null);
  }
}

export async function login(name: string, password: string): Promise<User> {
  const r = await post<{ user: User; csrf: string }>('/api/v1/auth/login', { name, password });
  get<{ now: string }>('/api/v1/console/session').then((x) => setServerNow(x.now), () => undefined);
  setCsrf(r.csrf);
  session.set(r.user);
  return r.user;
}

export async function logout(): Promise<void> {
  try {
    await post('/api/v1/auth/logout');
  } finally {
    setCsrf(null);
    session.set(null);
  }
}

/** Where each role starts. */
export function homeOf(u: User): string {
  switch (u.role) {
    case 'operator':
      return '/desk';
    case 'unit':
      return '/inbox';
    case 'supervisor':
      return '/board';
    case 'admin':
      return '/admin';
    case 'grid':
      return '/grid';
    case 'media':
      return '/media';
  }
}
