import type { Queue } from 'bullmq';
import { Gauge, Registry } from 'prom-client';
import type { PrismaClient } from '../db/prisma.js';
import { ACTIVE_STATUSES } from '../domain/outcomes.js';

export interface StateMetricsDeps {
  prisma: PrismaClient;
  queues: Queue[];
  /** Scrapes closer together than this share one reading of the database and Redis. */
  cacheMs?: number;
}

interface Snapshot {
  byStatus: { status: string; n: number }[];
  byOutcome: { outcome: string; n: number }[];
  callbacks: { state: string; n: number }[];
  queues: { name: string; counts: Record<string, number>; oldestWaitingMs: number }[];
}

/**
 * What the system holds, read at scrape time: calls by status and outcome, callback
 * deliveries waiting or dead, and each queue's depth and the age of its oldest waiting job.
 */
export function stateMetrics(deps: StateMetricsDeps): Registry {
  const registry = new Registry();
  const registers = [registry];
  let cached: { at: number; snapshot: Promise<Snapshot> } | null = null;
  const snapshot = () => {
    if (!cached || Date.now() - cached.at > (deps.cacheMs ?? 2000)) {
      const reading = read(deps);
      cached = { at: Date.now(), snapshot: reading };
      reading.catch(() => (cached = null));
    }
    return cached.snapshot;
  };

  new Gauge({
    name: 'codecall_calls',
    help: 'Calls not yet done, by status (pending waits to be dialled; the others are live)',
    labelNames: ['status'],
    registers,
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const r of s.byStatus) this.set({ status: r.status }, r.n);
    },
  });
  new Gauge({
    name: 'codecall_live_calls',
    help: 'Calls with an attempt under way (dialling, ringing, answered, confirmed, routed)',
    registers,
    async collect() {
      const s = await snapshot();
      this.set(s.byStatus.filter((r) => (ACTIVE_STATUSES as readonly string[]).includes(r.status)).reduce((sum, r) => sum + r.n, 0));
    },
  });
  new Gauge({
    name: 'codecall_calls_by_outcome',
    help: 'Calls that reached an outcome, by outcome, among the calls kept',
    labelNames: ['outcome'],
    registers,
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const r of s.byOutcome) this.set({ outcome: r.outcome }, r.n);
    },
  });
  new Gauge({
    name: 'codecall_callback_deliveries',
    help: 'Outcome callbacks waiting to be delivered (pending) or given up (dead)',
    labelNames: ['state'],
    registers,
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const state of ['pending', 'dead']) this.set({ state }, s.callbacks.find((r) => r.state === state)?.n ?? 0);
    },
  });
  new Gauge({
    name: 'codecall_queue_jobs',
    help: 'Jobs in each queue, by state',
    labelNames: ['queue', 'state'],
    registers,
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const q of s.queues) for (const [state, n] of Object.entries(q.counts)) this.set({ queue: q.name, state }, n);
    },
  });
  new Gauge({
    name: 'codecall_queue_oldest_waiting_seconds',
    help: 'How long the oldest job waiting in each queue has waited (0 when none waits)',
    labelNames: ['queue'],
    registers,
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const q of s.queues) this.set({ queue: q.name }, q.oldestWaitingMs / 1000);
    },
  });
  return registry;
}

async function read(deps: StateMetricsDeps): Promise<Snapshot> {
  const [byStatus, byOutcome, callbacks, queues] = await Promise.all([
    deps.prisma.$queryRawUnsafe<{ status: string; n: number }[]>(`SELECT status::text AS status, count(*)::int AS n FROM call WHERE status <> 'done' GROUP BY status`),
    deps.prisma.$queryRawUnsafe<{ outcome: string; n: number }[]>(`SELECT outcome::text AS outcome, count(*)::int AS n FROM call WHERE outcome IS NOT NULL GROUP BY outcome`),
    deps.prisma.$queryRawUnsafe<{ state: string; n: number }[]>(`SELECT state, count(*)::int AS n FROM callback_delivery WHERE state IN ('pending', 'dead') GROUP BY state`),
    Promise.all(deps.queues.map(readQueue)),
  ]);
  return { byStatus, byOutcome, callbacks, queues };
}

async function readQueue(queue: Queue): Promise<Snapshot['queues'][number]> {
  const [counts, oldest] = await Promise.all([queue.getJobCounts('waiting', 'active', 'delayed', 'failed'), queue.getJobs(['waiting'], 0, 0, true)]);
  const job = oldest[0];
  // A delayed job starts waiting when its delay is over, not when it was added.
  const waitingSince = job ? job.timestamp + (job.opts.delay ?? 0) : null;
  return { name: queue.name, counts, oldestWaitingMs: waitingSince === null ? 0 : Math.max(0, Date.now() - waitingSince) };
}
