/**
 * Errors the domain and application raise on purpose. The web layer maps `kind` to an HTTP
 * status; nothing else about HTTP lives here.
 */
export type ErrorKind = 'invalid' | 'not_found' | 'conflict' | 'forbidden' | 'unauthorized' | 'unavailable' | 'too_large' | 'rate_limited';

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const invalid = (code: string, message: string, details?: Record<string, unknown>) => new AppError('invalid', code, message, details);
export const notFound = (what: string, id: string) => new AppError('not_found', `${what}_not_found`, `${what} ${id} 不存在`, { id });
export const conflict = (code: string, message: string, details?: Record<string, unknown>) => new AppError('conflict', code, message, details);
export const forbidden = (message = '没有权限执行此操作') => new AppError('forbidden', 'forbidden', message);
