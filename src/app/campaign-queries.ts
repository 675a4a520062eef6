import { ACTIVE_STATUSES, OUTCOMES, type CallStatus, type CampaignStatus, type Outcome, type WaitReason } from '../domain/outcomes.js';
import type { Db } from '../db/prisma.js';
import { ACTIVE_STATUS_SQL } from '../db/sql.js';
import { NotFoundError, ValidationError } from '../errors.js';

export type CampaignCounts = { total: number; pending: number; inProgress: number } & Record<Outcome, number>;

export interface CampaignView {
  id: string;
  name: string;
  status: CampaignStatus;
  counts: CampaignCounts;
  options: Record<string, unknown>;
  createdAt: Date;
  finishedAt: Date | null;
}

export async function getCampaign(prisma: Db, id: string): Promise<CampaignView> {
  const c = await prisma.campaign.findUnique({ where: { id } });
  if (!c) throw new NotFoundError('campaign', id);
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    counts: await countCalls(prisma, id),
    options: {
      maxConcurrent: c.maxConcurrent,
      callsPerSecond: c.callsPerSecond,
      maxCodeAttempts: c.maxCodeAttempts,
      maxDialAttempts: c.maxDialAttempts,
      retryDelaySeconds: c.retryDelaySeconds,
      window: c.windowStart ? { start: c.windowStart, end: c.windowEnd, timezone: c.windowTimezone, days: c.windowDays } : null,
      callbackUrl: c.callbackUrl,
      voice: c.voice,
      promptTemplate: c.promptTemplate,
      priority: c.priority,
      notAfter: c.notAfter,
      retry: c.retryRules,
      numberGapSeconds: c.numberGapSeconds,
      blockedDates: c.blockedDates,
      optOutKey: c.optOutKey,
    },
    createdAt: c.createdAt,
    finishedAt: c.finishedAt,
  };
}

export async function countCalls(prisma: Db, campaignId: string): Promise<CampaignCounts> {
  const rows = await prisma.query<{ status: CallStatus; outcome: Outcome | null; n: bigint }>(
    `SELECT status, outcome, count(*) AS n FROM call WHERE campaign_id = $1::uuid GROUP BY status, outcome`,
    campaignId,
  );
  const counts = { total: 0, pending: 0, inProgress: 0, ...Object.fromEntries(OUTCOMES.map((o) => [o, 0])) } as CampaignCounts;
  for (const r of rows) {
    const n = Number(r.n);
    counts.total += n;
    if (r.status === 'pending') counts.pending += n;
    else if (ACTIVE_STATUSES.includes(r.status)) counts.inProgress += n;
    else if (r.outcome) counts[r.outcome] += n;
  }
  return counts;
}

export async function listCampaigns(prisma: Db, limit: number, cursor: string | null) {
  const after = cursor ? decodeCursor(cursor, ['t', 'id']) : null;
  const rows = await prisma.campaign.findMany({
    where: after ? { OR: [{ createdAt: { lt: new Date(after.t) } }, { createdAt: new Date(after.t), id: { lt: after.id } }] } : undefined,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit + 1,
    select: { id: true, name: true, status: true, totalCalls: true, createdAt: true, finishedAt: true },
  });
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor({ t: last.createdAt.toISOString(), id: last.id }) : null };
}

export async function listCalls(prisma: Db, campaignId: string, q: { outcome?: Outcome; status?: CallStatus; limit: number; cursor: string | null }) {
  const exists = await prisma.campaign.count({ where: { id: campaignId } });
  if (!exists) throw new NotFoundError('campaign', campaignId);
  const afterSeq = q.cursor ? Number(decodeCursor(q.cursor, ['seq']).seq) : -1;
  const rows = await prisma.call.findMany({
    where: { campaignId, seq: { gt: afterSeq }, ...(q.outcome ? { outcome: q.outcome } : {}), ...(q.status ? { status: q.status } : {}) },
    orderBy: { seq: 'asc' },
    take: q.limit + 1,
    select: { id: true, seq: true, phone: true, ref: true, status: true, outcome: true, codeAttempts: true, dialAttempts: true, updatedAt: true, ...WAIT_FIELDS },
  });
  const items = rows.slice(0, q.limit);
  const last = items.at(-1);
  const reasons = await waitReasons(prisma, campaignId, items);
  return {
    items: items.map(({ seq: _seq, nextDialAt, waitReason: _w, promptStatus: _p, ...rest }) => ({ ...rest, nextDialAt, waitReason: reasons.get(rest.id) ?? null })),
    nextCursor: rows.length > q.limit && last ? encodeCursor({ seq: last.seq }) : null,
  };
}

export async function getCall(prisma: Db, id: string) {
  const call = await prisma.call.findUnique({
    where: { id },
    select: {
      id: true,
      campaignId: true,
      phone: true,
      ref: true,
      prompt: true,
      status: true,
      outcome: true,
      codeAttempts: true,
      dialAttempts: true,
      lastFailure: true,
      notAfter: true,
      timezone: true,
      ...WAIT_FIELDS,
      createdAt: true,
      updatedAt: true,
      finishedAt: true,
      attempts: { orderBy: { no: 'asc' }, select: { no: true, state: true, pbxCallId: true, legId: true, result: true, startedAt: true, answeredAt: true, endedAt: true } },
      events: { orderBy: { id: 'asc' }, select: { at: true, attemptNo: true, kind: true, detail: true } },
    },
  });
  if (!call) throw new NotFoundError('call', id);
  const { waitReason: _w, promptStatus: _p, ...rest } = call;
  const callbacks = await prisma.callbackDelivery.findMany({ where: { callId: id }, orderBy: { createdAt: 'asc' }, select: { id: true, event: true, state: true, attempts: true, lastStatus: true, deliveredAt: true } });
  return { ...rest, callbacks, waitReason: (await waitReasons(prisma, call.campaignId, [call])).get(call.id) ?? null };
}

const WAIT_FIELDS = { nextDialAt: true, waitReason: true, promptStatus: true } as const;

interface Waiting {
  id: string;
  phone: string;
  status: CallStatus;
  nextDialAt: Date | null;
  waitReason: string | null;
  promptStatus: string;
}

/** Why each waiting call is not being dialled right now; calls that are not waiting have none. */
async function waitReasons(prisma: Db, campaignId: string, calls: Waiting[]): Promise<Map<string, WaitReason>> {
  const out = new Map<string, WaitReason>();
  const waiting = calls.filter((c) => c.status === 'pending');
  if (waiting.length === 0) return out;
  const [campaign] = await prisma.query<{ status: string; max_concurrent: number; active: bigint }>(
    `SELECT k.status, k.max_concurrent, (SELECT count(*) FROM call c WHERE c.campaign_id = k.id AND c.status IN (${ACTIVE_STATUS_SQL})) AS active
     FROM campaign k WHERE k.id = $1::uuid`,
    campaignId,
  );
  const busy = new Set(
    (await prisma.call.findMany({ where: { phone: { in: waiting.map((c) => c.phone) }, status: { in: [...ACTIVE_STATUSES] } }, select: { phone: true } })).map((c) => c.phone),
  );
  const now = Date.now();
  for (const c of waiting) {
    const reason: WaitReason =
      campaign?.status === 'paused'
        ? 'paused'
        : c.promptStatus === 'pending' || c.promptStatus === 'rendering'
          ? 'waiting_for_prompt'
          : c.nextDialAt && c.nextDialAt.getTime() > now
            ? ((c.waitReason as WaitReason | null) ?? 'retry_delay')
            : busy.has(c.phone)
              ? 'number_in_call'
              : campaign && Number(campaign.active) >= campaign.max_concurrent
                ? 'concurrency_cap'
                : 'queued';
    out.set(c.id, reason);
  }
  return out;
}

function encodeCursor(v: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

function decodeCursor<K extends string>(c: string, keys: K[]): Record<K, string> {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (keys.every((k) => typeof v[k] === 'string' || typeof v[k] === 'number')) return Object.fromEntries(keys.map((k) => [k, String(v[k])])) as Record<K, string>;
  } catch {
    // fall through to the error below
  }
  throw new ValidationError('The cursor is not valid', [{ path: 'cursor', message: 'not a cursor this API gave out' }]);
}
