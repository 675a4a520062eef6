import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/**
 * The job catalogue. Jobs are hints: PostgreSQL holds the work and each handler is
 * idempotent, so a job delivered twice or lost (the sweeper re-sends it) changes nothing.
 * Payloads carry ids (and a dial's slot time), never a phone number or a code.
 */
export const JOBS = {
  dial: {
    payload: z.object({ callId: z.uuid(), attemptNo: z.number().int().positive(), slotAt: z.number().optional() }),
    options: { attempts: 3, backoff: { type: 'exponential', delay: 500 } } satisfies JobsOptions,
  },
  report: {
    payload: z.object({ reportId: z.string().regex(/^\d+$/) }),
    options: { attempts: 5, backoff: { type: 'exponential', delay: 200 } } satisfies JobsOptions,
  },
  render: {
    payload: z.object({ callId: z.uuid() }),
    options: { attempts: 2, backoff: { type: 'exponential', delay: 1000 } } satisfies JobsOptions,
  },
  route: {
    payload: z.object({ actionId: z.string().regex(/^\d+$/) }),
    options: { attempts: 3, backoff: { type: 'exponential', delay: 500 }, delay: 500 } satisfies JobsOptions,
  },
} as const;

export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOBS)[N]['payload']>;

const KEEP = { removeOnComplete: true, removeOnFail: { count: 1000 } } as const;

/** BullMQ's simple deduplication: a second job with the id is dropped while the first is waiting or running. */
function once(id: string): { deduplication: { id: string } } {
  return { deduplication: { id } };
}

export class JobQueues {
  readonly queues: { [N in JobName]: Queue };

  constructor(connection: Redis, prefix: string) {
    const make = (name: JobName) => new Queue(name, { connection, prefix, defaultJobOptions: { ...KEEP, ...JOBS[name].options } });
    this.queues = { dial: make('dial'), report: make('report'), render: make('render'), route: make('route') };
  }

  // Queue messages are hints that the sweeper sends again while the work is not done. Each
  // carries a deduplication id, held until its job completes or fails, so a backlog older
  // than the sweeper's grace is not queued a second time every round; that feedback once
  // grew the report queue to 160,000 copies and stalled a campaign. A job that failed
  // frees its id, so the sweeper's next hint is taken.
  async enqueueDials(dials: JobPayload<'dial'>[]): Promise<void> {
    await this.queues.dial.addBulk(dials.map((d) => ({ name: 'dial', data: d, opts: once(`dial:${d.callId}:${d.attemptNo}`) })));
  }

  async enqueueReports(ids: bigint[]): Promise<void> {
    await this.queues.report.addBulk(ids.map((id) => ({ name: 'report', data: { reportId: id.toString() }, opts: once(`report:${id}`) })));
  }

  async enqueueRenders(callIds: string[]): Promise<void> {
    await this.queues.render.addBulk(callIds.map((callId) => ({ name: 'render', data: { callId }, opts: once(`render:${callId}`) })));
  }

  async enqueueRoute(id: bigint): Promise<void> {
    await this.queues.route.add('route', { actionId: id.toString() });
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((q) => q.close()));
  }
}
