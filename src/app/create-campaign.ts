import { createHmac, randomUUID } from 'node:crypto';
import { hashCode } from '../domain/codes.js';
import type { PrismaClient } from '../db/prisma.js';
import { ConflictError } from '../errors.js';
import { queueFinishedCallbacks } from './callbacks.js';
import { promptOf, type CampaignInput } from './campaign-input.js';

export interface CreateCampaignDeps {
  prisma: PrismaClient;
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
    await deps.prisma.$transaction(
      async (tx) => {
        await tx.campaign.create({
          data: {
            id,
            name: input.name,
            maxConcurrent: o.maxConcurrent,
            callsPerSecond: o.callsPerSecond,
            maxCodeAttempts: o.maxCodeAttempts,
            maxDialAttempts: o.maxDialAttempts,
            retryDelaySeconds: o.retryDelaySeconds,
            windowStart: o.window?.start ?? null,
            windowEnd: o.window?.end ?? null,
            windowTimezone: o.window?.timezone ?? null,
            windowDays: o.window?.days ?? [],
            callbackUrl: o.callbackUrl ?? null,
            voice: o.voice,
            promptTemplate: o.promptTemplate ?? null,
            priority: o.priority,
            notAfter: o.notAfter ?? null,
            retryRules: o.retry ?? undefined,
            numberGapSeconds: o.numberGapSeconds,
            blockedDates: o.blockedDates,
            optOutKey: o.optOutKey,
            idempotencyKey,
            requestHash,
            totalCalls: input.calls.length,
          },
        });
        for (let start = 0; start < input.calls.length; start += CHUNK) {
          const rows = input.calls.slice(start, start + CHUNK);
          const ids = rows.map(() => randomUUID());
          const prompts = rows.map((c) => {
            const p = promptOf(c, o.promptTemplate);
            return 'text' in p ? p.text : null;
          });
          await tx.$executeRawUnsafe(
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
          );
        }
        // Numbers on the suppression list are never called: those calls end at intake.
        const suppressed = await tx.$queryRawUnsafe<{ id: string }[]>(
          `WITH s AS (
             UPDATE call c SET status = 'done', outcome = 'suppressed', prompt_status = 'none', finished_at = now()
             FROM suppression x WHERE c.campaign_id = $1::uuid AND x.phone = c.phone RETURNING c.id),
           ev AS (INSERT INTO call_event (call_id, at, kind, detail) SELECT id, now(), 'intake.suppressed', '{"outcome":"suppressed"}'::jsonb FROM s)
           SELECT id FROM s`,
          id,
        );
        await queueFinishedCallbacks(tx, id, suppressed.map((r) => r.id));
      },
      { timeout: 120_000, maxWait: 10_000 },
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
  const e = err as { code?: string; meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } };
  return e?.code === 'P2002' || e?.meta?.driverAdapterError?.cause?.originalCode === '23505' || /unique/i.test(String((err as Error)?.message));
}
