import http from 'node:http';

export interface DeliveryStats {
  sent: number;
  delivered: number;
  resent: number;
  dropped: number;
}

export interface ReportSenderOptions {
  /** Where reports go now, or null when no session is alive (the PBX then stops reporting). */
  target: () => string | null;
  resendMs: () => number;
  jitterMs: () => number;
  duplicateProbability: () => number;
  dropProbability?: () => number;
  maxAttempts?: number;
  random?: () => number;
  /** The legacy report format (login without `version`) is not valid JSON; see pbx-simulator.ts. */
  serialize?: (report: Record<string, unknown>) => string;
}

/**
 * Sends reports the way the PBX does: one POST per report with `User-Agent: WebAPI`, and
 * again and again until the receiver answers 200.
 */
export class ReportSender {
  readonly stats: DeliveryStats = { sent: 0, delivered: 0, resent: 0, dropped: 0 };
  private readonly pending = new Set<Promise<void>>();
  private readonly random: () => number;
  private stopped = false;

  constructor(private readonly opts: ReportSenderOptions) {
    this.random = opts.random ?? Math.random;
  }

  /** Queues a report; resolves when it was delivered (or given up). */
  send(report: Record<string, unknown>): Promise<void> {
    const body = (this.opts.serialize ?? JSON.stringify)(report);
    const p = this.deliver(body).finally(() => this.pending.delete(p));
    this.pending.add(p);
    return p;
  }

  /** Waits until no delivery is under way. */
  async drain(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  stop(): void {
    this.stopped = true;
  }

  private async deliver(body: string): Promise<void> {
    if (this.random() < (this.opts.dropProbability?.() ?? 0)) {
      this.stats.dropped += 1;
      return;
    }
    const jitter = this.opts.jitterMs();
    if (jitter > 0) await sleep(this.random() * jitter);
    const maxAttempts = this.opts.maxAttempts ?? 30;
    for (let attempt = 1; attempt <= maxAttempts && !this.stopped; attempt++) {
      const target = this.opts.target();
      if (!target) break;
      if (attempt > 1) this.stats.resent += 1;
      this.stats.sent += 1;
      if (await post(target, body)) {
        this.stats.delivered += 1;
        if (this.random() < this.opts.duplicateProbability()) {
          this.stats.sent += 1;
          await post(target, body);
        }
        return;
      }
      await sleep(this.opts.resendMs());
    }
    this.stats.dropped += 1;
  }
}

function post(target: string, body: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request(
      target,
      {
        method: 'POST',
        agent: false,
        timeout: 10_000,
        headers: { 'user-agent': 'WebAPI', 'content-type': 'application/json', accept: 'application/json', connection: 'close', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
        res.on('error', () => resolve(false));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end(body);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
