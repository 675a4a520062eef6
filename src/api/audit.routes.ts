import { Router } from 'express';
import { z } from 'zod';
import { listAudit } from '../app/audit.js';
import type { Db } from '../db/prisma.js';
import { parseWith } from './parse.js';

export const auditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().regex(/^\d{1,19}$/, 'must be the nextCursor of the previous page').optional(),
  actor: z.string().min(1).max(200).optional(),
  action: z.string().min(1).max(100).optional(),
});

/** /api/audit: who changed or exported what, newest first (admin scope). */
export function auditRoutes(prisma: Db): Router {
  const r = Router();
  r.get('/audit', async (req, res) => {
    const q = parseWith(auditQuery, req.query);
    res.json(await listAudit(prisma, { limit: q.limit, before: q.cursor ?? null, actor: q.actor ?? null, action: q.action ?? null }));
  });
  return r;
}
