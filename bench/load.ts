import http from 'node:http';

export interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  /** Answers other than 200, by status (0: no answer, the connection failed). */
  failures: Record<string, number>;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export function post(url: string, body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summarise(latencies: number[], statuses: number[], seconds: number): LoadResult {
  latencies.sort((a, b) => a - b);
  const failures: Record<string, number> = {};
  for (const s of statuses) if (s !== 200) failures[s] = (failures[s] ?? 0) + 1;
  const ok = statuses.length - Object.values(failures).reduce((a, b) => a + b, 0);
  return { sent: statuses.length, ok, failed: statuses.length - ok, seconds, perSecond: ok / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? NaN, failures };
}

/** As fast as `concurrency` senders go, each waiting for its answer: the throughput ceiling. */
export async function closedLoop(url: string, bodies: () => string, concurrency: number, seconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: number[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        statuses.push(await post(url, bodies()));
        latencies.push(performance.now() - t);
      }
    }),
  );
  return summarise(latencies, statuses, (performance.now() - start) / 1000);
}

/**
 * At an even pace: request i goes out at start + i/rate, and its latency counts from that
 * scheduled time, so a server that falls behind is charged for the queue it builds
 * (no coordinated omission).
 */
export async function paced(url: string, bodies: () => string, rate: number, seconds: number, stopped: () => boolean = () => false): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: number[] = [];
  const total = Math.round(rate * seconds);
  const start = performance.now() + 50;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total && !stopped(); i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const body = bodies();
    // Charged from the scheduled time when late, from the send when (by a hair) early.
    const from = Math.min(due, performance.now());
    pending.push(
      post(url, body).then((status) => {
        latencies.push(performance.now() - from);
        statuses.push(status);
      }),
    );
  }
  await Promise.all(pending);
  return summarise(latencies, statuses, (performance.now() - start) / 1000);
}
