import type { Db } from '../db/prisma.js';

export interface AuditEntry {
  actor: string;
  action: string;
  target?: string | null;
  detail?: Record<string, unknown> | null;
  ip?: string | null;
  reqId?: string | null;
}

export async function recordAudit(prisma: Db, e: AuditEntry): Promise<void> {
  await prisma.execute(
    `INSERT INTO audit_event (actor, action, target, detail, ip, req_id) VALUES ($1, $2, $3, $4::jsonb, $5, $6)`,
    e.actor,
    e.action,
    e.target ?? null,
    e.detail ? JSON.stringify(e.detail) : null,
    e.ip ?? null,
    e.reqId ?? null,
  );
}

/** Newest first; `before` is the id of the last row of the previous page. */
export async function listAudit(prisma: Db, opts: { limit: number; before?: string | null; actor?: string | null; action?: string | null }) {
  const rows = await prisma.query<{ id: bigint; at: Date; actor: string; action: string; target: string | null; detail: unknown; ip: string | null; req_id: string | null }>(
    `SELECT id, at, actor, action, target, detail, ip, req_id FROM audit_event
     WHERE ($1::bigint IS NULL OR id < $1::bigint) AND ($2::text IS NULL OR actor = $2) AND ($3::text IS NULL OR action = $3)
     ORDER BY id DESC LIMIT $4`,
    opts.before ?? null,
    opts.actor ?? null,
    opts.action ?? null,
    opts.limit,
  );
  const items = rows.map((r) => ({ id: r.id.toString(), at: r.at, actor: r.actor, action: r.action, target: r.target, detail: r.detail, ip: r.ip, reqId: r.req_id }));
  return { items, nextCursor: rows.length === opts.limit ? items.at(-1)!.id : null };
}
