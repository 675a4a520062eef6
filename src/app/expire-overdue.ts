import type { Db } from '../db/prisma.js';
import { transitionCall, type TransitionDeps } from './call-transitions.js';

/** Waiting calls whose deadline has passed end as `expired`; nothing is dialled late. */
export async function expireOverdue(deps: TransitionDeps & { prisma: Db }): Promise<number> {
  const rows = await deps.prisma.query<{ id: string }>(
    `SELECT id FROM call WHERE status = 'pending' AND not_after IS NOT NULL AND not_after <= now() ORDER BY not_after LIMIT 500`,
  );
  for (const r of rows) await transitionCall(deps, r.id, { type: 'expire' }, { kind: 'deadline.passed' });
  return rows.length;
}
