import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import { AppError } from '../domain/errors.js';
import type { StateStore } from './ports/misc.js';

interface Failures {
  failures: number;
  /** ms since epoch of the last failure */
  last: number;
  lockedUntil: number | null;
}

export interface ThrottleOptions {
  /** wrong passwords for one account before it is locked */
  accountThreshold: number;
  /** wrong passwords from one address (over every account) before it is locked */
  addressThreshold: number;
  /** a failure older than this is forgotten */
  windowMs: number;
  /** the first lock; every further failure doubles it, up to `maxLockMs` */
  baseLockMs: number;
  maxLockMs: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = { accountThreshold: 5, addressThreshold: 20, windowMs: 15 * 60_000, baseLockMs: 60_000, maxLockMs: 60 * 60_000 };

const SCOPE = 'login-throttle';

/**
 * Password guessing is slowed per account and per client address, in the database (every instance
 * sees the same counts): after a few wrong passwords the account (or address) is locked for a
 * minute, and each further wrong password doubles the lock up to an hour. While locked, even the
 * right password is refused. A lock is logged; an admin lifts an account's lock (`unlock`), and a
 * successful login clears the account's count.
 */
export class LoginThrottle {
  constructor(
    private readonly state: StateStore,
    private readonly clock: Clock,
    private readonly log?: Logger,
    private readonly opts: ThrottleOptions = DEFAULT_THROTTLE,
  ) {}

  private keys(name: string, address: string | null) {
    return [{ key: `account:${name.toLowerCase()}`, threshold: this.opts.accountThreshold }, ...(address ? [{ key: `address:${address}`, threshold: this.opts.addressThreshold }] : [])];
  }

  /** Throws a 429 `login_locked` (with the seconds to wait) while the account or the address is locked. */
  async check(name: string, address: string | null): Promise<void> {
    const now = this.clock.now();
    for (const { key } of this.keys(name, address)) {
      const f = await this.state.get<Failures>(SCOPE, key, now);
      if (f?.lockedUntil && f.lockedUntil > now.getTime()) {
        const retryAfter = Math.ceil((f.lockedUntil - now.getTime()) / 1000);
        throw new AppError('rate_limited', 'login_locked', `登录失败次数过多，请 ${Math.ceil(retryAfter / 60)} 分钟后再试，或请管理员解锁`, { retryAfter });
      }
    }
  }

  /** Counts a wrong password; returns the keys that became locked. */
  async failed(name: string, address: string | null): Promise<string[]> {
    const now = this.clock.now();
    const t = now.getTime();
    const locked: string[] = [];
    for (const { key, threshold } of this.keys(name, address)) {
      const prev = await this.state.get<Failures>(SCOPE, key, now);
      const failures = prev && t - prev.last < this.opts.windowMs ? prev.failures + 1 : prev?.lockedUntil ? prev.failures + 1 : 1;
      let lockedUntil: number | null = null;
      if (failures >= threshold) {
        const lockMs = Math.min(this.opts.maxLockMs, this.opts.baseLockMs * 2 ** Math.min(20, failures - threshold));
        lockedUntil = t + lockMs;
        locked.push(key);
        this.log?.warn({ login: key, failures, lockedForS: Math.round(lockMs / 1000) }, 'login locked after wrong passwords');
      }
      const keepUntil = Math.max(lockedUntil ?? 0, t + this.opts.windowMs) + this.opts.maxLockMs;
      await this.state.put<Failures>(SCOPE, key, { failures, last: t, lockedUntil }, now, new Date(keepUntil));
    }
    return locked;
  }

  /** A successful login clears the account's count (not the address's: one valid account must not wash a guessing address clean). */
  async succeeded(name: string): Promise<void> {
    await this.state.delete(SCOPE, `account:${name.toLowerCase()}`);
  }

  /** An admin lifts an account's lock. */
  async unlock(name: string): Promise<boolean> {
    const key = `account:${name.toLowerCase()}`;
    const was = await this.state.get<Failures>(SCOPE, key, this.clock.now());
    await this.state.delete(SCOPE, key);
    return !!was?.lockedUntil;
  }

  /** An admin lifts any lock by its key (`account:<name>` or `address:<ip>`, as `lockedNow` lists them). */
  async unlockKey(key: string): Promise<boolean> {
    if (!/^(account|address):.{1,200}$/.test(key)) return false;
    const was = await this.state.get<Failures>(SCOPE, key, this.clock.now());
    await this.state.delete(SCOPE, key);
    return !!was?.lockedUntil;
  }

  /** Accounts and addresses locked now. */
  async lockedNow(): Promise<{ key: string; lockedUntil: Date; failures: number }[]> {
    const now = this.clock.now();
    return (await this.state.list<Failures>(SCOPE, now)).filter((r) => r.doc.lockedUntil && r.doc.lockedUntil > now.getTime()).map((r) => ({ key: r.key, lockedUntil: new Date(r.doc.lockedUntil!), failures: r.doc.failures }));
  }
}
