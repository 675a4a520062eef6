import { RETRY_CLASSES, type CallPolicy, type RetryClass, type RetryRule } from '../domain/call-machine.js';
import type { CallingWindow } from '../domain/calling-window.js';
import type { Sql } from '../db/prisma.js';

export interface CampaignSettings {
  id: string;
  maxConcurrent: number;
  callsPerSecond: number;
  priority: number;
  window: CallingWindow | null;
  blockedDates: string[];
  numberGapMs: number;
  callbackUrl: string | null;
  policy: CallPolicy;
}

export interface IvrNumbers {
  entry: string;
  success: string;
  retry: string;
  fail: string | null;
}

/** Campaign settings never change after creation, so each process may keep them. */
export class CampaignSettingsCache {
  private readonly cache = new Map<string, CampaignSettings>();

  constructor(
    private readonly ivr: IvrNumbers,
    private readonly unreachableDelayMs: number,
  ) {}

  async get(db: Pick<Sql, 'query'>, campaignId: string): Promise<CampaignSettings> {
    const hit = this.cache.get(campaignId);
    if (hit) return hit;
    const rows = await db.query<SettingsRow>(`SELECT ${SETTINGS_COLUMNS} FROM campaign WHERE id = $1::uuid`, campaignId);
    if (!rows[0]) throw new Error(`campaign ${campaignId} vanished`);
    return this.remember(rows[0]);
  }

  remember(r: SettingsRow): CampaignSettings {
    const settings: CampaignSettings = {
      id: r.id,
      maxConcurrent: r.max_concurrent,
      callsPerSecond: r.calls_per_second,
      priority: r.priority,
      window: r.window_start && r.window_end && r.window_timezone ? { start: r.window_start, end: r.window_end, timezone: r.window_timezone, days: r.window_days ?? [] } : null,
      blockedDates: r.blocked_dates ?? [],
      numberGapMs: r.number_gap_seconds * 1000,
      callbackUrl: r.callback_url,
      policy: {
        maxDialAttempts: r.max_dial_attempts,
        maxCodeAttempts: r.max_code_attempts,
        retryDelayMs: r.retry_delay_seconds * 1000,
        retry: retryRules(r.retry_rules, r.retry_delay_seconds),
        unreachableDelayMs: this.unreachableDelayMs,
        confirmKey: '1',
        optOutKey: r.opt_out_key,
        ivr: { success: this.ivr.success, retry: this.ivr.retry, fail: this.ivr.fail },
      },
    };
    this.cache.set(r.id, settings);
    return settings;
  }
}

/** Stored rules ({class: {retry?, delaySeconds?}}) over the campaign's defaults. */
function retryRules(stored: unknown, defaultDelaySeconds: number): Partial<Record<RetryClass, RetryRule>> {
  const rules = (stored ?? {}) as Partial<Record<RetryClass, { retry?: boolean; delaySeconds?: number }>>;
  const out: Partial<Record<RetryClass, RetryRule>> = {};
  for (const cls of RETRY_CLASSES) {
    const r = rules[cls];
    if (r) out[cls] = { retry: r.retry ?? !(cls === 'declined' || cls === 'abandoned'), delayMs: (r.delaySeconds ?? defaultDelaySeconds) * 1000 };
  }
  return out;
}

export const SETTINGS_COLUMNS =
  'id, max_concurrent, calls_per_second, priority, max_dial_attempts, max_code_attempts, retry_delay_seconds, retry_rules, window_start, window_end, window_timezone, window_days, blocked_dates, number_gap_seconds, opt_out_key, callback_url';

export interface SettingsRow {
  id: string;
  max_concurrent: number;
  calls_per_second: number;
  priority: number;
  retry_rules: unknown;
  blocked_dates: string[] | null;
  number_gap_seconds: number;
  opt_out_key: string | null;
  callback_url: string | null;
  max_dial_attempts: number;
  max_code_attempts: number;
  retry_delay_seconds: number;
  window_start: string | null;
  window_end: string | null;
  window_timezone: string | null;
  window_days: number[] | null;
}
