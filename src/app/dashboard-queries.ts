import type { Db } from '../db/prisma.js';

export interface Funnel {
  total: number;
  dialled: number;
  answered: number;
  pressed1: number;
  codeEntered: number;
  verified: number;
}

/** dialled -> answered -> pressed 1 -> code entered -> verified, counted over a campaign's calls. */
export async function campaignFunnel(prisma: Db, campaignId: string): Promise<Funnel> {
  const [r] = await prisma.query<Record<keyof Funnel, bigint>>(
    `SELECT count(*) AS total,
            count(*) FILTER (WHERE c.dial_attempts > 0) AS dialled,
            count(*) FILTER (WHERE EXISTS (SELECT 1 FROM dial_attempt a WHERE a.call_id = c.id AND a.answered_at IS NOT NULL)) AS answered,
            count(*) FILTER (WHERE c.outcome IN ('verified', 'code_failed', 'abandoned') OR c.status IN ('confirmed', 'routed') OR c.code_attempts > 0) AS "pressed1",
            count(*) FILTER (WHERE c.code_attempts > 0) AS "codeEntered",
            count(*) FILTER (WHERE c.outcome = 'verified') AS verified
     FROM call c WHERE c.campaign_id = $1::uuid`,
    campaignId,
  );
  return Object.fromEntries(Object.entries(r ?? {}).map(([k, v]) => [k, Number(v)])) as unknown as Funnel;
}

export interface Progress {
  total: number;
  done: number;
  live: number;
  outcomes: Partial<Record<string, number>>;
}

/** Done, live and per-outcome counts for several campaigns at once, for the list. */
export async function progressOf(prisma: Db, ids: string[]): Promise<Map<string, Progress>> {
  if (ids.length === 0) return new Map();
  const rows = await prisma.query<{ campaign_id: string; status: string; outcome: string | null; n: bigint }>(
    `SELECT campaign_id, status, outcome, count(*) AS n FROM call WHERE campaign_id = ANY($1::uuid[]) GROUP BY campaign_id, status, outcome`,
    ids,
  );
  const out = new Map<string, Progress>();
  for (const r of rows) {
    const p = out.get(r.campaign_id) ?? { total: 0, done: 0, live: 0, outcomes: {} };
    const n = Number(r.n);
    p.total += n;
    if (r.status === 'done') p.done += n;
    else if (r.status !== 'pending') p.live += n;
    if (r.outcome) p.outcomes[r.outcome] = (p.outcomes[r.outcome] ?? 0) + n;
    out.set(r.campaign_id, p);
  }
  return out;
}

export interface CallRow {
  id: string;
  seq: number;
  phone: string;
  ref: string | null;
  status: string;
  outcome: string | null;
  dial_attempts: number;
  code_attempts: number;
  updated_at: Date;
}

/**
 * One page of a campaign's calls in batch order, filtered; keyset pagination on seq stays
 * fast at 100,000 calls. `search` matches an exact ref, and a phone prefix when `byPhone`
 * (never for viewers: prefix searches would unmask the numbers they see masked).
 */
export async function searchCalls(prisma: Db, campaignId: string, q: { outcome?: string; status?: string; search?: string; byPhone: boolean; afterSeq: number; limit: number }): Promise<CallRow[]> {
  return prisma.query<CallRow>(
    `SELECT id, seq, phone, ref, status, outcome, dial_attempts, code_attempts, updated_at FROM call
     WHERE campaign_id = $1::uuid AND seq > $2
       AND ($3::text IS NULL OR outcome::text = $3) AND ($4::text IS NULL OR status::text = $4)
       AND ($5::text IS NULL OR ($7::boolean AND phone LIKE replace(replace(replace($5, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%') OR ref = $5)
     ORDER BY seq LIMIT $6`,
    campaignId,
    q.afterSeq,
    q.outcome ?? null,
    q.status ?? null,
    q.search ?? null,
    q.limit,
    q.byPhone,
  );
}

/** All calls of a campaign in batches, for a streamed export that never holds them all. */
export async function* exportBatches(prisma: Db, campaignId: string, batch = 2000): AsyncGenerator<(CallRow & { finished_at: Date | null; created_at: Date })[]> {
  let after = -1;
  for (;;) {
    const rows = await prisma.query<CallRow & { finished_at: Date | null; created_at: Date }>(
      `SELECT id, seq, phone, ref, status, outcome, dial_attempts, code_attempts, updated_at, created_at, finished_at
       FROM call WHERE campaign_id = $1::uuid AND seq > $2 ORDER BY seq LIMIT $3`,
      campaignId,
      after,
      batch,
    );
    if (rows.length === 0) return;
    yield rows;
    after = rows.at(-1)!.seq;
  }
}

/** Attempts started and answered per time bucket, for the campaign page's chart. */
export async function attemptsOverTime(prisma: Db, campaignId: string): Promise<{ bucketSeconds: number; points: { at: Date; attempts: number; answered: number }[] }> {
  const [span] = await prisma.query<{ first: Date | null; last: Date | null }>(
    `SELECT min(a.started_at) AS first, max(a.started_at) AS last FROM dial_attempt a JOIN call c ON c.id = a.call_id WHERE c.campaign_id = $1::uuid`,
    campaignId,
  );
  if (!span?.first || !span.last) return { bucketSeconds: 60, points: [] };
  // About 40 bars whatever the campaign's length, in whole seconds.
  const bucketSeconds = Math.max(1, Math.ceil((span.last.getTime() - span.first.getTime()) / 1000 / 40));
  const rows = await prisma.query<{ at: Date; attempts: bigint; answered: bigint }>(
    `SELECT to_timestamp(floor(extract(epoch FROM a.started_at) / $2) * $2) AS at, count(*) AS attempts, count(a.answered_at) AS answered
     FROM dial_attempt a JOIN call c ON c.id = a.call_id WHERE c.campaign_id = $1::uuid GROUP BY 1 ORDER BY 1`,
    campaignId,
    bucketSeconds,
  );
  return { bucketSeconds, points: rows.map((r) => ({ at: r.at, attempts: Number(r.attempts), answered: Number(r.answered) })) };
}
