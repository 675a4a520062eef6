import { Worker, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { JOBS, type JobName, type JobPayload } from '../queues.js';

export type Handlers = { [N in JobName]: (payload: JobPayload<N>) => Promise<void> };

// Jobs mostly wait on PostgreSQL or the PBX; rendering runs espeak-ng and sox, one per core.
// A dial also waits for its slot (DIAL_LEAD_MS, 500 ms by default) holding no connection:
// 64 at once send over 100 dials a second, a campaign's highest rate.
const CONCURRENCY: Record<JobName, number> = { dial: 64, report: 6, render: 2, route: 3 };

/** One BullMQ worker per job; each processor validates its payload and hands it to app/. */
export function startWorkers(connection: Redis, prefix: string, handlers: Handlers, log: Logger): Worker[] {
  return (Object.keys(JOBS) as JobName[]).map((name) => {
    const processor: Processor = async (job) => {
      const payload = JOBS[name].payload.parse(job.data);
      await (handlers[name] as (p: typeof payload) => Promise<void>)(payload);
    };
    const worker = new Worker(name, processor, { connection, prefix, concurrency: CONCURRENCY[name] });
    worker.on('failed', (job, err) => log.warn({ event: 'job.failed', queue: name, jobId: job?.id, callId: (job?.data as { callId?: string } | undefined)?.callId, err: err.message }, 'job failed'));
    worker.on('error', (err) => log.error({ event: 'worker.error', queue: name, err: err.message }, 'worker error'));
    return worker;
  });
}
