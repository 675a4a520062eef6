import type { Db } from '../db/prisma.js';
import { NotFoundError } from '../errors.js';

/**
 * The suppression list: numbers never to be called, whatever campaign asks. Checked at
 * intake and again just before every dial; callees who press the opt-out key land here too.
 */
export async function addSuppressions(prisma: Db, entries: { phone: string; reason?: string }[], source: 'api' | 'csv'): Promise<number> {
  if (entries.length === 0) return 0;
  return prisma.execute(
    `INSERT INTO suppression (phone, reason, source)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT (phone) DO UPDATE SET reason = coalesce(EXCLUDED.reason, suppression.reason)`,
    entries.map((e) => e.phone),
    entries.map((e) => e.reason ?? null),
    entries.map(() => source),
  );
}

export async function removeSuppression(prisma: Db, phone: string): Promise<void> {
  const n = await prisma.execute(`DELETE FROM suppression WHERE phone = $1`, phone);
  if (n === 0) throw new NotFoundError('suppressed number', phone);
}

export async function getSuppression(prisma: Db, phone: string) {
  const s = await prisma.suppression.findUnique({ where: { phone } });
  if (!s) throw new NotFoundError('suppressed number', phone);
  return s;
}

export async function listSuppressions(prisma: Db, limit: number, after: string | null) {
  const rows = await prisma.suppression.findMany({ where: after ? { phone: { gt: after } } : undefined, orderBy: { phone: 'asc' }, take: limit + 1 });
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.phone ?? null) : null };
}
