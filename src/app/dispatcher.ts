import type { MachineInput } from '../domain/call-machine.js';
import { nextOpening } from '../domain/calling-window.js';
import { initialPace, takeSlots, type PaceState } from '../domain/pacing.js';
import type { Db, Sql } from '../db/prisma.js';
import { ACTIVE_STATUS_SQL } from '../db/sql.js';
import type { Logger } from '../logger.js';
import { SETTINGS_COLUMNS, type CampaignSettings, type CampaignSettingsCache, type SettingsRow } from './campaign-policy.js';
import { applyInput, lockCall, type TransitionDeps } from './call-transitions.js';

export interface DispatcherDeps extends TransitionDeps {
  prisma: Db;
  settings: CampaignSettingsCache;
  log: Logger;
  /** Live calls the PBX (its trunks) may carry at once, across all campaigns. */
  pbxMaxConcurrent: number;
  /** Dials to one number in any 24 hours, across all campaigns. */
  numberDailyCap: number;
  /** Unprocessed PBX reports at which new dials wait. */
  reportBacklogMax: number;
  enqueueDials: (dials: { callId: string; attemptNo: number; slotAt?: number }[]) => Promise<void>;
  now?: () => Date;
}

const DAY_MS = 86_400_000;

/** Start times (ms, newest first) of each number's dials in the last day, across all campaigns. */
async function numberHistory(tx: Sql, phones: string[], now: Date): Promise<Map<string, number[]>> {
  if (phones.length === 0) return new Map();
  const rows = await tx.query<{ phone: string; started: Date[] }>(
    `SELECT phone, array_agg(started_at ORDER BY started_at DESC) AS started FROM dial_attempt
     WHERE phone = ANY($1::text[]) AND started_at > $2 GROUP BY phone`,
    phones,
    new Date(now.getTime() - DAY_MS),
  );
  return new Map(rows.map((r) => [r.phone, r.started.map((d) => new Date(d).getTime())]));
}

/**
 * Feeds the dial queue from the calls waiting in PostgreSQL, as capacity frees: per
 * campaign within its concurrency cap and evenly spaced call rate, per callee within their
 * calling window, number gap and daily cap, and under the PBX's own cap, shared between
 * campaigns by priority; and none while REPORT_BACKLOG_MAX PBX reports wait to be processed.
 * Runs in one process at a time (the leader).
 */
export class Dispatcher {
  private readonly paces = new Map<string, PaceState>();
  private heldByBacklog = false;

  constructor(private readonly deps: DispatcherDeps) {}

  /** One round; returns how many calls were claimed for dialling. */
  async tick(): Promise<number> {
    const now = this.deps.now?.() ?? new Date();
    const rows = await this.deps.prisma.query<SettingsRow & { active: bigint; due: boolean }>(
      `SELECT ${SETTINGS_COLUMNS.split(', ').map((c) => `k.${c}`).join(', ')},
              (SELECT count(*) FROM call c WHERE c.campaign_id = k.id AND c.status IN (${ACTIVE_STATUS_SQL})) AS active,
              EXISTS (SELECT 1 FROM call c WHERE c.campaign_id = k.id AND c.status = 'pending' AND c.prompt_status IN ('none', 'ready')
                        AND (c.next_dial_at IS NULL OR c.next_dial_at <= $1)) AS due
       FROM campaign k WHERE k.status = 'running' ORDER BY k.priority DESC, k.created_at`,
      now,
    );
    const campaigns = rows.map((r) => ({ settings: this.deps.settings.remember(r), active: Number(r.active), due: r.due }));
    const due = campaigns.filter((c) => c.due);
    if (due.length === 0) return 0;
    const load = await this.load();
    if (this.holdForBacklog(load.backlog)) return 0;
    const pbx = { active: load.active };
    // First every waiting campaign gets its share of the PBX by priority, so an urgent one
    // goes first without starving the rest; then what is left goes in priority order.
    const weight = due.reduce((sum, c) => sum + c.settings.priority, 0);
    let claimed = 0;
    for (const pass of ['share', 'rest'] as const) {
      for (const c of due) {
        const share = pass === 'share' ? Math.max(1, Math.floor((this.deps.pbxMaxConcurrent * c.settings.priority) / weight)) : Infinity;
        const capacity = Math.min(c.settings.maxConcurrent - c.active, share - c.active, this.deps.pbxMaxConcurrent - pbx.active);
        if (capacity <= 0) continue;
        const n = await this.dialSome(c.settings, capacity, now);
        c.active += n;
        pbx.active += n;
        claimed += n;
        // A campaign held back only by its call rate still wants the lines it could not take
        // yet: they do not pass to campaigns of lower priority.
        if (pass === 'rest' && n < capacity) break;
      }
    }
    return claimed;
  }

  /** Claims as many due calls as the campaign's pace allows, up to `capacity`. */
  private async dialSome(settings: CampaignSettings, capacity: number, now: Date): Promise<number> {
    const pace = this.paces.get(settings.id) ?? initialPace();
    const granted = takeSlots(pace, now.getTime(), settings.callsPerSecond, capacity);
    if (granted.slots.length === 0) return 0;
    const n = await this.claim(settings, granted.slots, now);
    // Slots not used (nothing claimable) are not spent.
    this.paces.set(settings.id, n === granted.slots.length ? granted.pace : takeSlots(pace, now.getTime(), settings.callsPerSecond, n).pace);
    return n;
  }

  /** Live calls on the PBX, and the PBX reports waiting to be processed (counted up to the cap). */
  private async load(): Promise<{ active: number; backlog: number }> {
    const [row] = await this.deps.prisma.query<{ active: bigint; backlog: bigint }>(
      `SELECT (SELECT count(*) FROM call WHERE status IN (${ACTIVE_STATUS_SQL})) AS active,
              (SELECT count(*) FROM (SELECT 1 FROM pbx_report WHERE processed_at IS NULL LIMIT $1) b) AS backlog`,
      this.deps.reportBacklogMax,
    );
    return { active: Number(row?.active ?? 0), backlog: Number(row?.backlog ?? 0) };
  }

  /**
   * Reports waiting mean decisions come late for callers already on hold; every new call
   * adds a dozen more reports. So new dials wait until the backlog is worked off, and the
   * campaign runs at the pace the reports can be processed instead of outrunning it.
   */
  private holdForBacklog(backlog: number): boolean {
    const held = backlog >= this.deps.reportBacklogMax;
    if (held !== this.heldByBacklog) {
      this.deps.log.warn({ event: held ? 'dispatch.held' : 'dispatch.resumed', backlog }, held ? 'new dials wait: PBX reports are waiting to be processed' : 'new dials resume');
      this.heldByBacklog = held;
    }
    return held;
  }

  /**
   * Claims a due call of a campaign for each slot and queues their dials, each with its slot:
   * never two to one number, only inside the callee's calling window, and within the number's
   * gap and daily cap. A call that may not be dialled yet is postponed to when it may, with
   * the reason.
   */
  private async claim(settings: CampaignSettings, slots: number[], now: Date): Promise<number> {
    const n = slots.length;
    const dials = await this.deps.prisma.transaction(async (tx) => {
      const candidates = await tx.query<{ id: string; phone: string; timezone: string | null }>(
        `SELECT c.id, c.phone, c.timezone FROM call c
         WHERE c.campaign_id = $1::uuid AND c.status = 'pending' AND (c.next_dial_at IS NULL OR c.next_dial_at <= $2)
           AND c.prompt_status IN ('none', 'ready')
           AND NOT EXISTS (SELECT 1 FROM call x WHERE x.phone = c.phone AND x.status IN (${ACTIVE_STATUS_SQL}))
         ORDER BY c.seq LIMIT $3 FOR UPDATE SKIP LOCKED`,
        settings.id,
        now,
        n * 2,
      );
      const history = await numberHistory(tx, candidates.map((c) => c.phone), now);
      const phones = new Set<string>();
      const out: { callId: string; attemptNo: number; slotAt: number }[] = [];
      for (const cand of candidates) {
        if (out.length >= n || phones.has(cand.phone)) continue;
        phones.add(cand.phone);
        const call = await lockCall(tx, cand.id);
        if (!call) continue;
        const hold = this.holdFor(settings, cand, history.get(cand.phone), now);
        if (hold) {
          await applyInput(this.deps, tx, call, hold, now, { kind: 'dial.postponed' });
          continue;
        }
        const { transition } = await applyInput(this.deps, tx, call, { type: 'dial-started' }, now, { kind: 'dial.claimed' });
        if (transition.state.attempt) out.push({ callId: call.id, attemptNo: transition.state.attempt.no, slotAt: slots[out.length]! });
      }
      return out;
    });
    if (dials.length) await this.deps.enqueueDials(dials);
    return dials.length;
  }

  /** Why this call may not be dialled now, as the machine input that makes it wait; null when it may. */
  private holdFor(settings: CampaignSettings, call: { timezone: string | null }, recent: number[] | undefined, now: Date): MachineInput | null {
    const rules = { window: settings.window, timezone: call.timezone, blockedDates: settings.blockedDates };
    const opening = nextOpening(rules, now);
    if (!opening) return { type: 'expire' };
    if (opening.reason) return { type: 'postpone', until: opening.at, reason: opening.reason };
    const last = recent?.[0];
    if (settings.numberGapMs > 0 && last !== undefined && now.getTime() - last < settings.numberGapMs) {
      return { type: 'postpone', until: new Date(last + settings.numberGapMs), reason: 'number_gap' };
    }
    const cap = this.deps.numberDailyCap;
    if (recent && recent.length >= cap) return { type: 'postpone', until: new Date(recent[cap - 1]! + DAY_MS), reason: 'frequency_cap' };
    return null;
  }

  /** Running campaigns whose calls are all done are completed. */
  async completeFinished(): Promise<string[]> {
    const rows = await this.deps.prisma.query<{ id: string }>(
      `UPDATE campaign k SET status = 'completed', finished_at = now(), updated_at = now()
       WHERE k.status IN ('running', 'paused') AND NOT EXISTS (SELECT 1 FROM call c WHERE c.campaign_id = k.id AND c.status <> 'done')
       RETURNING k.id`,
    );
    return rows.map((r) => r.id);
  }
}
