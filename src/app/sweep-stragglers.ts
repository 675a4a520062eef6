import type { Db } from '../db/prisma.js';

export interface SweepDeps {
  prisma: Db;
  enqueueReports: (ids: bigint[]) => Promise<void>;
  enqueueDials: (dials: { callId: string; attemptNo: number }[]) => Promise<void>;
  sendRoutingAction: (id: bigint) => Promise<void>;
  /** Work older than this that has not moved is handed out again. */
  graceMs: number;
}

/**
 * What PostgreSQL holds is the truth and queue messages are only hints: reports, claimed
 * dials and routing actions whose hint was lost (Redis restart, a crash between commit and
 * enqueue) are found here and handed out again. Each handler is idempotent.
 */
export async function sweepStragglers(deps: SweepDeps): Promise<{ reports: number; dials: number; actions: number }> {
  const before = new Date(Date.now() - deps.graceMs);
  const reports = await deps.prisma.query<{ id: bigint }>(
    `SELECT id FROM pbx_report WHERE processed_at IS NULL AND received_at < $1 ORDER BY id LIMIT 1000`,
    before,
  );
  if (reports.length) await deps.enqueueReports(reports.map((r) => r.id));
  const dials = await deps.prisma.query<{ call_id: string; no: number }>(
    `SELECT call_id, no FROM dial_attempt WHERE state = 'claimed' AND started_at < $1 LIMIT 1000`,
    before,
  );
  if (dials.length) await deps.enqueueDials(dials.map((d) => ({ callId: d.call_id, attemptNo: d.no })));
  const actions = await deps.prisma.query<{ id: bigint }>(
    `SELECT id FROM routing_action WHERE state = 'pending' AND updated_at < $1 ORDER BY id LIMIT 100`,
    before,
  );
  for (const a of actions) await deps.sendRoutingAction(a.id);
  return { reports: reports.length, dials: dials.length, actions: actions.length };
}
