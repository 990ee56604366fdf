/**
 * Failed logins per email and client address (and, more loosely, per address alone) within a
 * fixed window; past the limit a login is refused before the password is checked. In memory:
 * each API replica counts its own, which bounds guessing per replica, and a restart forgets.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();
  /** Entries kept at most; the oldest windows go first when full. */
  private static readonly MAX_ENTRIES = 100_000;
  /** One address may fail this many times more than one email on it (shared NATs, typos). */
  private static readonly ADDRESS_FACTOR = 10;

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private keys(email: string, address: string): Array<[string, number]> {
    return [
      [`login:${email}\0${address}`, this.maxFailures],
      [`address:${address}`, this.maxFailures * LoginLimiter.ADDRESS_FACTOR],
    ];
  }

  /**
   * Starts an attempt: the milliseconds to wait when the limit is reached, else 0, and the attempt
   * already counts as a failure. Counting before the password is checked means that attempts sent
   * at once cannot all pass this check while the first are still being checked.
   */
  begin(email: string, address: string): number {
    const now = this.now();
    const keys = this.keys(email, address);
    let wait = 0;
    for (const [key, limit] of keys) {
      const entry = this.failures.get(key);
      if (entry && entry.resetAt > now && entry.count >= limit) wait = Math.max(wait, entry.resetAt - now);
    }
    if (wait > 0) return wait;
    for (const [key] of keys) {
      const entry = this.failures.get(key);
      if (entry && entry.resetAt > now) entry.count += 1;
      else this.failures.set(key, { count: 1, resetAt: now + this.windowMs });
    }
    if (this.failures.size > LoginLimiter.MAX_ENTRIES) this.sweep(now);
    return 0;
  }

  /** The attempt succeeded: clears the email's count and takes the attempt back from the address's. */
  succeeded(email: string, address: string): void {
    const [[emailKey], [addressKey]] = this.keys(email, address);
    this.failures.delete(emailKey);
    const entry = this.failures.get(addressKey);
    if (entry && entry.count > 0) entry.count -= 1;
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.failures) if (entry.resetAt <= now) this.failures.delete(key);
    // Still full: drop the oldest (Map iterates in insertion order).
    for (const key of this.failures.keys()) {
      if (this.failures.size <= LoginLimiter.MAX_ENTRIES * 0.9) break;
      this.failures.delete(key);
    }
  }
}
