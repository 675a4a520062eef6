import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/**
 * The job catalogue. Jobs are hints: PostgreSQL holds the work and each handler is
 * idempotent, so a job delivered twice or lost (the sweeper re-sends it) changes nothing.
 * Payloads carry ids only, never a phone number or a code.
 */
export const JOBS = {
  dial: {
    payload: z.object({ callId: z.uuid(), attemptNo: z.number().int().positive() }),
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

export class JobQueues {
  readonly queues: { [N in JobName]: Queue };

  constructor(connection: Redis, prefix: string) {
    const make = (name: JobName) => new Queue(name, { connection, prefix, defaultJobOptions: { ...KEEP, ...JOBS[name].options } });
    this.queues = { dial: make('dial'), report: make('report'), render: make('render'), route: make('route') };
  }

  // No fixed job ids: a failed job with the same id would make the sweeper's re-send a no-op,
  // and the handlers are idempotent anyway.
  async enqueueDials(dials: JobPayload<'dial'>[]): Promise<void> {
    await this.queues.dial.addBulk(dials.map((d) => ({ name: 'dial', data: d })));
  }

  async enqueueReports(ids: bigint[]): Promise<void> {
    await this.queues.report.addBulk(ids.map((id) => ({ name: 'report', data: { reportId: id.toString() } })));
  }

  async enqueueRenders(callIds: string[]): Promise<void> {
    await this.queues.render.addBulk(callIds.map((callId) => ({ name: 'render', data: { callId } })));
  }

  async enqueueRoute(id: bigint): Promise<void> {
    await this.queues.route.add('route', { actionId: id.toString() });
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((q) => q.close()));
  }
}
