import type { Db } from '../../src/db/prisma.js';
import type { PbxSimulator } from '../../src/simulator/pbx-simulator.js';

/**
 * What must hold after any fault, as the callee and the PBX would see it: every call settled;
 * no number in two calls at once; a number dialled no more often than attempts were made for
 * it, and never beyond maxDialAttempts; no more transfers than codes the caller keyed.
 * Returns what broke, in words (empty when all held).
 */
export async function invariantBreaches(prisma: Db, sim: PbxSimulator, campaignId: string, maxDialAttempts: number): Promise<string[]> {
  const out: string[] = [];
  const calls = await prisma.$queryRawUnsafe<{ phone: string; status: string; outcome: string | null; attempts: number; sent: number }[]>(
    `SELECT c.phone, c.status::text, c.outcome::text, c.dial_attempts AS attempts,
            (SELECT count(*) FROM dial_attempt a WHERE a.call_id = c.id AND a.result IS DISTINCT FROM 'not sent')::int AS sent
     FROM call c WHERE c.campaign_id = $1::uuid`,
    campaignId,
  );
  const dials = new Map<string, number>();
  for (const d of sim.recorder.dials) dials.set(d.phone, (dials.get(d.phone) ?? 0) + 1);
  const keyed = new Map<string, number>();
  for (const c of sim.recorder.ended) keyed.set(c.phone, (keyed.get(c.phone) ?? 0) + c.codesReported);
  const transfers = new Map<string, string[]>();
  for (const t of sim.recorder.transfers) if (t.phone) transfers.set(t.phone, [...(transfers.get(t.phone) ?? []), t.number]);

  for (const c of calls) {
    if (c.status !== 'done' || !c.outcome) out.push(`${c.phone}: not settled (${c.status})`);
    const n = dials.get(c.phone) ?? 0;
    if (n > maxDialAttempts) out.push(`${c.phone}: dialled ${n} times, more than maxDialAttempts ${maxDialAttempts}`);
    if (n > c.sent) out.push(`${c.phone}: the PBX placed ${n} calls for ${c.sent} attempts`);
    const t = transfers.get(c.phone) ?? [];
    if (t.length > (keyed.get(c.phone) ?? 0)) out.push(`${c.phone}: ${t.length} transfers (${t.join(', ')}) for ${keyed.get(c.phone) ?? 0} codes keyed`);
  }
  const doubled = sim.recorder.dials.filter((d) => d.whileLive);
  for (const d of doubled) out.push(`${d.phone}: dialled while another call to it was live`);
  return out;
}
