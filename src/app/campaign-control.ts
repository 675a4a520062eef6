import type { CampaignStatus } from '../domain/outcomes.js';
import type { Db } from '../db/prisma.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { queueFinishedCallbacks } from './callbacks.js';

const ALLOWED: Record<'pause' | 'resume' | 'cancel', { from: CampaignStatus[]; to: CampaignStatus }> = {
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  cancel: { from: ['running', 'paused'], to: 'cancelled' },
};

/**
 * Pause stops new dials, resume restarts them; live calls are never cut. Cancel also ends
 * every waiting call as `cancelled`: the bulk form of the machine's next(pending, cancel),
 * since running 100,000 single transitions would hold the campaign for minutes.
 */
export async function changeCampaignStatus(prisma: Db, id: string, action: keyof typeof ALLOWED): Promise<CampaignStatus> {
  const rule = ALLOWED[action];
  return prisma.transaction(async (tx) => {
    const rows = await tx.query<{ status: CampaignStatus }>(`SELECT status FROM campaign WHERE id = $1::uuid FOR UPDATE`, id);
    const current = rows[0]?.status;
    if (!current) throw new NotFoundError('campaign', id);
    if (current === rule.to) return current;
    if (!rule.from.includes(current)) throw new ConflictError(`cannot ${action} a ${current} campaign`);
    await tx.execute(
      `UPDATE campaign SET status = $2::"CampaignStatus", updated_at = now(), finished_at = CASE WHEN $2 = 'cancelled' THEN now() ELSE finished_at END WHERE id = $1::uuid`,
      id,
      rule.to,
    );
    if (action === 'cancel') {
      const done = await tx.query<{ id: string }>(
        `WITH done AS (
           UPDATE call SET status = 'done', outcome = 'cancelled', next_dial_at = NULL, updated_at = now(), finished_at = now()
           WHERE campaign_id = $1::uuid AND status = 'pending' RETURNING id),
         ev AS (INSERT INTO call_event (call_id, at, kind, detail) SELECT id, now(), 'operator.cancel', '{"outcome":"cancelled"}'::jsonb FROM done)
         SELECT id FROM done`,
        id,
      );
      await queueFinishedCallbacks(tx, id, done.map((d) => d.id));
    }
    return rule.to;
  });
}
