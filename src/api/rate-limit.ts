/**
 * In-process limits. Each process counts on its own, so with N API processes the effective
 * limit is N times the setting; they guard against guessing and runaway clients, not quotas.
 */

/** Failures per key (an address) in a sliding minute: wrong passwords, wrong API keys. */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();
  constructor(private readonly perMinute: number) {}
  private recent(key: string): number[] {
    const now = Date.now();
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < 60_000);
    this.failures.set(key, list);
    return list;
  }
  blocked(key: string): boolean {
    return this.recent(key).length >= this.perMinute;
  }
  fail(key: string): void {
    this.recent(key).push(Date.now());
    if (this.failures.size > 10_000) for (const k of this.failures.keys()) if (this.recent(k).length === 0) this.failures.delete(k);
  }
  /** An attempt that succeeded takes back the failure counted for it in advance. */
  succeed(key: string): void {
    this.recent(key).pop();
  }
}

/** Requests per key in one-minute windows that start at a key's first request. */
export class WindowLimiter {
  private readonly windows = new Map<string, { start: number; n: number }>();
  constructor(private readonly perMinute: number) {}

  /** Counts one request; returns the seconds until its window ends when over the cap, else 0. */
  take(key: string): number {
    const now = Date.now();
    let w = this.windows.get(key);
    if (!w || now - w.start >= 60_000) {
      if (this.windows.size > 10_000) for (const [k, old] of this.windows) if (now - old.start >= 60_000) this.windows.delete(k);
      w = { start: now, n: 0 };
      this.windows.set(key, w);
    }
    w.n += 1;
    return w.n > this.perMinute ? Math.max(1, Math.ceil((w.start + 60_000 - now) / 1000)) : 0;
  }
}
