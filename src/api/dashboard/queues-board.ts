import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { Router } from 'express';
import { requireStaff } from './session.js';

/**
 * Bull Board over the job queues, behind an admin session. Read-only: its actions are JSON
 * requests without the dashboard's CSRF token, and retrying jobs by hand is the sweeper's job.
 */
export function queuesBoard(queues: Queue[]): Router {
  const adapter = new ExpressAdapter();
  adapter.setBasePath('/admin/queues');
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: true })), serverAdapter: adapter });
  const r = Router();
  r.use('/admin/queues', requireStaff('admin'), adapter.getRouter());
  return r;
}
