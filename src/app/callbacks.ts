import { createHmac, randomUUID } from 'node:crypto';
import { runTogether, statement, type Db, type Sql, type Statement } from '../db/prisma.js';
import { NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import { countCalls } from './campaign-queries.js';
import { addTimeline } from './timeline.js';
import { metrics } from '../metrics.js';
import { postCallback } from './callback-transport.js';

/**
 * Outcome callbacks to the booking system: one row per event, signed Stripe-style
 * (`Codecall-Signature: t=<unix seconds>,v1=<HMAC-SHA256(secret, "<t>.<body>")>`), carrying an
 * idempotency id, retried with exponential backoff for up to a day, then dead-lettered.
 * Never a code in them.
 */
export type CallbackEvent = 'call.finished' | 'campaign.finished';

export function callbackDelivery(event: CallbackEvent, url: string, campaignId: string, callId: string | null, data: Record<string, unknown>): Statement {
  const id = randomUUID();
  const payload = { id, type: event, createdAt: new Date().toISOString(), data };
  return statement(
    `INSERT INTO callback_delivery (id, campaign_id, call_id, event, url, payload) VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6::jsonb)`,
    id,
    campaignId,
    callId,
    event,
    url,
    JSON.stringify(payload),
  );
}

export async function queueCallback(tx: Sql, ...delivery: Parameters<typeof callbackDelivery>): Promise<void> {
  await runTogether(tx, [callbackDelivery(...delivery)]);
}

export function signCallback(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface CallbackDeps {
  prisma: Db;
  log: Logger;
  secret: string;
  /** Give up (dead-letter) after this long. */
  maxAgeMs: number;
  /** First retry delay; it doubles each time. */
  baseDelayMs: number;
  timeoutMs: number;
  /** Deliver to loopback and private addresses too (receivers on the same network). */
  allowPrivate: boolean;
}

/** Sends the deliveries that are due; returns how many were tried. */
export async function deliverDueCallbacks(deps: CallbackDeps): Promise<number> {
  const due = await deps.prisma.query<{ id: string; call_id: string | null; url: string; payload: unknown; attempts: number; created_at: Date }>(
    `SELECT id, call_id, url, payload, attempts, created_at FROM callback_delivery WHERE state = 'pending' AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT 20`,
  );
  await Promise.all(due.map((d) => deliverOne(deps, d)));
  return due.length;
}

async function deliverOne(deps: CallbackDeps, d: { id: string; call_id: string | null; url: string; payload: unknown; attempts: number; created_at: Date }): Promise<void> {
  const body = JSON.stringify(d.payload);
  const timestamp = Math.floor(Date.now() / 1000);
  let status: number | null = null;
  let error: string | null = null;
  try {
    const headers = { 'content-type': 'application/json', 'codecall-signature': signCallback(deps.secret, timestamp, body), 'idempotency-key': d.id, 'user-agent': 'codecall-callbacks' };
    status = await postCallback(d.url, headers, body, { timeoutMs: deps.timeoutMs, allowPrivate: deps.allowPrivate });
    if (status < 200 || status >= 300) error = `HTTP ${status}`;
  } catch (err) {
    error = (err as Error).message;
  }
  const attempts = d.attempts + 1;
  const delay = deps.baseDelayMs * 2 ** (attempts - 1);
  const state = error === null ? 'delivered' : Date.now() + delay - d.created_at.getTime() > deps.maxAgeMs ? 'dead' : 'pending';
  await deps.prisma.transaction(async (tx) => {
    await tx.execute(
      `UPDATE callback_delivery SET state = $2, attempts = $3, last_status = $4, last_error = $5, next_attempt_at = now() + ($6 || ' milliseconds')::interval,
         delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE NULL END WHERE id = $1::uuid`,
      d.id,
      state,
      attempts,
      status,
      error,
      String(delay),
    );
    if (d.call_id) await addTimeline(tx, d.call_id, null, new Date(), `callback.${state}`, { delivery: d.id, attempt: attempts, status, ...(error ? { error } : {}) });
  });
  metrics.callbackDeliveries.inc({ result: state === 'pending' ? 'failed' : state });
  if (state === 'dead') deps.log.warn({ event: 'callback.dead', delivery: d.id, err: error }, 'callback given up');
}

/** An operator asks for a delivery (delivered, dead or waiting) to be sent again now. */
export async function redeliverCallback(prisma: Db, id: string): Promise<void> {
  const n = await prisma.execute(`UPDATE callback_delivery SET state = 'pending', next_attempt_at = now(), created_at = now() WHERE id = $1::uuid`, id);
  if (n === 0) throw new NotFoundError('callback delivery', id);
}

export async function listCallbacks(prisma: Db, where: { campaignId?: string; callId?: string }) {
  return prisma.callbackDelivery.findMany({
    where,
    orderBy: { createdAt: 'asc' },
    select: { id: true, event: true, state: true, attempts: true, lastStatus: true, lastError: true, createdAt: true, deliveredAt: true, nextAttemptAt: true },
  });
}

/** call.finished for calls ended in bulk (campaign cancel, suppressed at intake). */
export async function queueFinishedCallbacks(tx: Sql, campaignId: string, callIds: string[]): Promise<void> {
  if (callIds.length === 0) return;
  await tx.execute(
    `WITH k AS (SELECT callback_url FROM campaign WHERE id = $1::uuid AND callback_url IS NOT NULL),
          c AS (SELECT gen_random_uuid() AS did, call.* FROM call WHERE id = ANY($2::uuid[]))
     INSERT INTO callback_delivery (id, campaign_id, call_id, event, url, payload)
     SELECT c.did, c.campaign_id, c.id, 'call.finished', k.callback_url,
            jsonb_build_object('id', c.did, 'type', 'call.finished', 'createdAt', now(), 'data', jsonb_build_object(
              'campaignId', c.campaign_id, 'callId', c.id, 'ref', c.ref, 'phone', c.phone, 'outcome', c.outcome,
              'dialAttempts', c.dial_attempts, 'codeAttempts', c.code_attempts, 'finishedAt', c.finished_at))
     FROM c CROSS JOIN k`,
    campaignId,
    callIds,
  );
}

/** campaign.finished with the final counts, when the campaign has a callback URL. */
export async function queueCampaignFinished(tx: Sql, campaignId: string, counts: Record<string, number>): Promise<void> {
  const [k] = await tx.query<{ callback_url: string | null; status: string; finished_at: Date | null }>(
    `SELECT callback_url, status, finished_at FROM campaign WHERE id = $1::uuid`,
    campaignId,
  );
  if (!k?.callback_url) return;
  await queueCallback(tx, 'campaign.finished', k.callback_url, campaignId, null, { campaignId, status: k.status, counts, finishedAt: k.finished_at?.toISOString() ?? null });
}

/** Finished campaigns (completed, or cancelled once their last live call ended) that still owe their campaign.finished. */
export async function notifyFinishedCampaigns(prisma: Db): Promise<number> {
  const rows = await prisma.query<{ id: string }>(
    `SELECT k.id FROM campaign k
     WHERE k.callback_url IS NOT NULL AND k.status IN ('completed', 'cancelled')
       AND NOT EXISTS (SELECT 1 FROM call c WHERE c.campaign_id = k.id AND c.status <> 'done')
       AND NOT EXISTS (SELECT 1 FROM callback_delivery d WHERE d.campaign_id = k.id AND d.event = 'campaign.finished')
     LIMIT 50`,
  );
  for (const { id } of rows) {
    const counts = await countCalls(prisma, id);
    await prisma.transaction((tx) => queueCampaignFinished(tx, id, counts));
  }
  return rows.length;
}
