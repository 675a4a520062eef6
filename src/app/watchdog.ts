import type { Db } from '../db/prisma.js';
import { ACTIVE_STATUS_SQL } from '../db/sql.js';
import type { Logger } from '../logger.js';
import type { PbxDriver } from '../pbx/driver.js';
import { transitionCall, type TransitionDeps } from './call-transitions.js';

export interface WatchdogDeps extends TransitionDeps {
  prisma: Db;
  driver: PbxDriver;
  log: Logger;
  /** A live call with no report for this long is checked against the PBX's list of live calls. */
  silenceMs: number;
}


/**
 * Settles calls whose reports stopped coming (lost reports, a dial whose answer never came,
 * a crashed worker): asks the PBX which calls are live and lets the machine decide. No call
 * stays in progress for ever, and an unknown dial is settled before the number is dialled again.
 */
export async function watchdogRound(deps: WatchdogDeps): Promise<number> {
  const stale = await deps.prisma.query<{ id: string; phone: string; leg_id: string | null }>(
    // A dial still only claimed belongs to its dial job (the sweeper re-sends lost ones).
    `SELECT c.id, c.phone, a.leg_id FROM call c JOIN dial_attempt a ON a.call_id = c.id AND a.no = c.dial_attempts
     WHERE c.status IN (${ACTIVE_STATUS_SQL}) AND a.state <> 'claimed' AND c.last_event_at < $1 ORDER BY c.last_event_at LIMIT 500`,
    new Date(Date.now() - deps.silenceMs),
  );
  if (stale.length === 0) return 0;
  let live;
  try {
    live = await deps.driver.liveCalls();
  } catch (err) {
    deps.log.warn({ event: 'watchdog.query_failed', err: (err as Error).message }, 'cannot list live calls; will try again');
    return 0;
  }
  for (const s of stale) {
    const match = live.find((l) => (s.leg_id && l.legId === s.leg_id) || l.to === s.phone);
    await transitionCall(deps, s.id, { type: 'line-check', live: match ? { legId: match.legId } : null }, { kind: 'watchdog.line_check', detail: { live: Boolean(match) } });
  }
  return stale.length;
}
