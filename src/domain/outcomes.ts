/** How a call ended, as the booking system and the reports see it. Exact values are an API contract. */
export const OUTCOMES = ['verified', 'code_failed', 'declined', 'abandoned', 'no_answer', 'busy', 'failed', 'cancelled', 'expired', 'suppressed', 'opted_out'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * Where a call is. `pending` waits to be dialled (first time or retry); `dialling` has a
 * dial request out or of unknown result; `ringing`, `answered` (entry IVR), `confirmed`
 * (pressed 1, keying the code) and `routed` (decided, still on the line) are live; `done` has
 * its outcome.
 */
export const CALL_STATUSES = ['pending', 'dialling', 'ringing', 'answered', 'confirmed', 'routed', 'done'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

export const ACTIVE_STATUSES: readonly CallStatus[] = ['dialling', 'ringing', 'answered', 'confirmed', 'routed'];

export const CAMPAIGN_STATUSES = ['running', 'paused', 'completed', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** Why a waiting call is not being dialled right now (API: `waitReason`). */
export const WAIT_REASONS = [
  'queued',
  'retry_delay',
  'outside_window',
  'blocked_date',
  'number_gap',
  'frequency_cap',
  'number_in_call',
  'concurrency_cap',
  'paused',
  'waiting_for_prompt',
  'pbx_unreachable',
] as const;
export type WaitReason = (typeof WAIT_REASONS)[number];

export function assertNever(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}
