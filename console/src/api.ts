/**
 * The console talks only to the REST API. The session cookie is httpOnly; every write echoes
 * the session's CSRF token, which the login answer (or /console/session after a reload) gives.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** what the server said about it besides (e.g. `field`: the form field a validation error is about) */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

let csrf: string | null = null;
let onUnauthorized: (() => void) | null = null;

export function setCsrf(token: string | null): void {
  csrf = token;
}

/** Called when the server says the session is gone (expired, logged out elsewhere). */
export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

export async function api<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch {
    throw new ApiError(0, 'network', '无法连接服务器，请检查网络');
  }
  const text = await res.text();
  let json: any = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('/api/v1/auth/login')) onUnauthorized?.();
    throw new ApiError(res.status, json?.error?.code ?? `http_${res.status}`, json?.error?.message ?? `请求失败（${res.status}）`, json?.error?.details);
  }
  return json as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}) => api<T>('POST', path, body);

/** Query string from the filled-in fields only. */
export function qs(params: Record<string, string | number | boolean | null | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '' && v !== false) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** Whether an endpoint that another part of Suban adds is not deployed in this build. */
export const isMissing = (e: unknown) => e instanceof ApiError && e.status === 404 && e.code === 'route_not_found';
