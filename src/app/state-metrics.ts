import type { Queue } from 'bullmq';
import { Gauge, Registry } from 'prom-client';
import type { Db } from '../db/prisma.js';
import { ACTIVE_STATUSES } from '../domain/outcomes.js';

export interface StateMetricsDeps {
  prisma: Db;
  queues: Queue[];
  /** Scrapes closer together than this share one reading of the database and Redis. */
  cacheMs?: number;
}

interface Snapshot {
  byStatus: { status: string; n: number }[];
  byOutcome: { outcome: string; n: number }[];
  unprocessedReports: number;
  callbacks: { state: string; n: number }[];
  queues: { name: string; counts: Record<string, number>; oldestWaitingMs: number }[];
}

/**
 * What the system holds, read at scrape time: calls by status and outcome, PBX reports not
 * yet applied, callback deliveries waiting or dead, and each queue's depth and the age of its
 * oldest waiting job.
 */
export function stateMetrics(deps: StateMetricsDeps): Registry {
  const registry = new Registry();
  let cached: { at: number; snapshot: Promise<Snapshot> } | null = null;
  const snapshot = () => {
    if (!cached || Date.now() - cached.at > (deps.cacheMs ?? 2000)) {
      const reading = read(deps);
      cached = { at: Date.now(), snapshot: reading };
      reading.catch(() => (cached = null));
    }
    return cached.snapshot;
  };

  /** A gauge whose samples are worked out from the shared snapshot at each scrape. */
  const gauge = (name: string, help: string, labelNames: string[], samples: (s: Snapshot) => [Record<string, string>, number][]) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const s = await snapshot();
        this.reset();
        for (const [labels, value] of samples(s)) this.set(labels, value);
      },
    });

  gauge('codecall_calls', 'Calls not yet done, by status (pending waits to be dialled; the others are live)', ['status'], (s) => s.byStatus.map((r) => [{ status: r.status }, r.n]));
  gauge('codecall_live_calls', 'Calls with an attempt under way (dialling, ringing, answered, confirmed, routed)', [], (s) => [
    [{}, s.byStatus.filter((r) => (ACTIVE_STATUSES as readonly string[]).includes(r.status)).reduce((sum, r) => sum + r.n, 0)],
  ]);
  gauge('codecall_calls_by_outcome', 'Calls that reached an outcome, by outcome, among the calls kept', ['outcome'], (s) => s.byOutcome.map((r) => [{ outcome: r.outcome }, r.n]));
  gauge('codecall_pbx_reports_unprocessed', 'PBX reports stored and not yet applied to their call; new dials wait while there are REPORT_BACKLOG_MAX', [], (s) => [[{}, s.unprocessedReports]]);
  gauge('codecall_callback_deliveries', 'Outcome callbacks waiting to be delivered (pending) or given up (dead)', ['state'], (s) =>
    ['pending', 'dead'].map((state) => [{ state }, s.callbacks.find((r) => r.state === state)?.n ?? 0]),
  );
  gauge('codecall_queue_jobs', 'Jobs in each queue, by state', ['queue', 'state'], (s) => s.queues.flatMap((q) => Object.entries(q.counts).map(([state, n]) => [{ queue: q.name, state }, n] as [Record<string, string>, number])));
  gauge('codecall_queue_oldest_waiting_seconds', 'How long the oldest job waiting in each queue has waited (0 when none waits)', ['queue'], (s) => s.queues.map((q) => [{ queue: q.name }, q.oldestWaitingMs / 1000]));
  return registry;
}

async function read(deps: StateMetricsDeps): Promise<Snapshot> {
  const [byStatus, byOutcome, unprocessed, callbacks, queues] = await Promise.all([
    deps.prisma.query<{ status: string; n: number }>(`SELECT status::text AS status, count(*)::int AS n FROM call WHERE status <> 'done' GROUP BY status`),
    deps.prisma.query<{ outcome: string; n: number }>(`SELECT outcome::text AS outcome, count(*)::int AS n FROM call WHERE outcome IS NOT NULL GROUP BY outcome`),
    deps.prisma.query<{ n: number }>(`SELECT count(*)::int AS n FROM pbx_report WHERE processed_at IS NULL`),
    deps.prisma.query<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM callback_delivery WHERE state IN ('pending', 'dead') GROUP BY state`),
    Promise.all(deps.queues.map(readQueue)),
  ]);
  return { byStatus, byOutcome, unprocessedReports: unprocessed[0]?.n ?? 0, callbacks, queues };
}

async function readQueue(queue: Queue): Promise<Snapshot['queues'][number]> {
  const [counts, oldest] = await Promise.all([queue.getJobCounts('waiting', 'active', 'delayed', 'failed'), queue.getJobs(['waiting'], 0, 0, true)]);
  const job = oldest[0];
  // A delayed job starts waiting when its delay is over, not when it was added.
  const waitingSince = job ? job.timestamp + (job.opts.delay ?? 0) : null;
  return { name: queue.name, counts, oldestWaitingMs: waitingSince === null ? 0 : Math.max(0, Date.now() - waitingSince) };
}
