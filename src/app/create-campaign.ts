import { createHmac, randomUUID } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import { hashCode } from '../domain/codes.js';
import { statement, type Db } from '../db/prisma.js';
import { ConflictError } from '../errors.js';
import { queueFinishedCallbacks } from './callbacks.js';
import { promptOf, type CampaignInput } from './campaign-input.js';

export interface CreateCampaignDeps {
  prisma: Db;
  codeSecret: string;
}

/** Rows per INSERT: large enough to be quick, small enough to keep each statement's arrays modest. */
const CHUNK = 20_000;

/**
 * Stores a campaign and all its calls in one transaction: all or nothing. Calls wait in
 * PostgreSQL; the dispatcher feeds the dial queue as capacity frees. With an idempotency key
 * a repeated request returns the first campaign's id instead of creating a second one.
 */
export async function createCampaign(deps: CreateCampaignDeps, input: CampaignInput, idempotencyKey: string | null): Promise<{ id: string; created: boolean }> {
  // Keyed: the request holds the codes, and a plain hash of a small one could be reversed.
  const requestHash = idempotencyKey ? createHmac('sha256', deps.codeSecret).update(JSON.stringify(input)).digest('hex') : null;
  if (idempotencyKey) {
    const existing = await findByKey(deps, idempotencyKey, requestHash!);
    if (existing) return existing;
  }
  const id = randomUUID();
  const o = input.options;
  try {
    await deps.prisma.transaction(
      async (tx) => {
        await tx.execute(
          `INSERT INTO campaign (id, name, max_concurrent, calls_per_second, max_code_attempts, max_dial_attempts, retry_delay_seconds,
             window_start, window_end, window_timezone, window_days, callback_url, voice, prompt_template, priority, not_after,
             retry_rules, number_gap_seconds, blocked_dates, opt_out_key, idempotency_key, request_hash, total_calls)
           VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::int[], $12, $13, $14, $15, $16, $17::jsonb, $18, $19::text[], $20, $21, $22, $23)`,
          id,
          input.name,
          o.maxConcurrent,
          o.callsPerSecond,
          o.maxCodeAttempts,
          o.maxDialAttempts,
          o.retryDelaySeconds,
          o.window?.start ?? null,
          o.window?.end ?? null,
          o.window?.timezone ?? null,
          o.window?.days ?? [],
          o.callbackUrl ?? null,
          o.voice,
          o.promptTemplate ?? null,
          o.priority,
          o.notAfter ?? null,
          o.retry ? JSON.stringify(o.retry) : null,
          o.numberGapSeconds,
          o.blockedDates,
          o.optOutKey,
          idempotencyKey,
          requestHash,
          input.calls.length,
        );
        for (let start = 0; start < input.calls.length; start += CHUNK) {
          const rows = input.calls.slice(start, start + CHUNK);
          const ids = rows.map(() => randomUUID());
          const prompts = rows.map((c) => {
            const p = promptOf(c, o.promptTemplate);
            return 'text' in p ? p.text : null;
          });
          // Sent without waiting: PostgreSQL stores this chunk while the next one is hashed.
          tx.send(statement(
            `INSERT INTO call (id, campaign_id, seq, phone, code_hash, prompt, ref, prompt_status, not_after, code_expires_at, timezone)
             SELECT u.id, $1::uuid, u.seq, u.phone, u.code_hash, u.prompt, u.ref, CASE WHEN u.prompt IS NULL THEN 'none' ELSE 'pending' END,
                    u.not_after, u.code_expires_at, u.timezone
             FROM unnest($2::uuid[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::text[])
               AS u(id, seq, phone, code_hash, prompt, ref, not_after, code_expires_at, timezone)`,
            id,
            ids,
            rows.map((_, i) => start + i),
            rows.map((c) => c.phone),
            rows.map((c, i) => hashCode(deps.codeSecret, ids[i]!, c.code)),
            prompts,
            rows.map((c) => c.ref ?? null),
            rows.map((c) => c.notAfter ?? o.notAfter ?? null),
            rows.map((c) => c.codeExpiresAt ?? null),
            rows.map((c) => c.timezone ?? null),
          ));
          await setImmediate(); // the chunk leaves (see coalescing in db/sql.ts) before the next is hashed
        }
        // Numbers on the suppression list are never called: those calls end at intake.
        const suppressed = await tx.query<{ id: string }>(
          `WITH s AS (
             UPDATE call c SET status = 'done', outcome = 'suppressed', prompt_status = 'none', finished_at = now()
             FROM suppression x WHERE c.campaign_id = $1::uuid AND x.phone = c.phone RETURNING c.id),
           ev AS (INSERT INTO call_event (call_id, at, kind, detail) SELECT id, now(), 'intake.suppressed', '{"outcome":"suppressed"}'::jsonb FROM s)
           SELECT id FROM s`,
          id,
        );
        await queueFinishedCallbacks(tx, id, suppressed.map((r) => r.id));
      },
    );
  } catch (err) {
    // Two requests with one key raced: the loser answers with the winner's campaign.
    if (idempotencyKey && isUniqueViolation(err)) {
      const existing = await findByKey(deps, idempotencyKey, requestHash!);
      if (existing) return existing;
    }
    throw err;
  }
  return { id, created: true };
}

async function findByKey(deps: CreateCampaignDeps, key: string, requestHash: string): Promise<{ id: string; created: boolean } | null> {
  const existing = await deps.prisma.campaign.findUnique({ where: { idempotencyKey: key }, select: { id: true, requestHash: true } });
  if (!existing) return null;
  if (existing.requestHash !== requestHash) throw new ConflictError('This Idempotency-Key was used with a different request');
  return { id: existing.id, created: false };
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string })?.code === '23505';
}
