import express, { Router } from 'express';
import { z } from 'zod';
import { addSuppressions, getSuppression, listSuppressions, removeSuppression } from '../app/suppressions.js';
import type { Db } from '../db/prisma.js';
import { AppError, ValidationError } from '../errors.js';
import { parseCsvRows } from './csv-campaign.js';
import { parseWith } from './parse.js';
import { jsonBody } from './json-body.js';

export const phoneParam = z.string().regex(/^\+?\d{3,20}$/, 'must be 3 to 20 digits with an optional leading +');
export const suppressionEntry = z.strictObject({ phone: phoneParam, reason: z.string().trim().min(1).max(200).optional() });
export const suppressionListQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100), cursor: phoneParam.optional() });

/** /api/suppressions: numbers never to be called. JSON one at a time, or a CSV (`phone,reason`) in bulk. */
export function suppressionRoutes(prisma: Db): Router {
  const r = Router();
  r.post('/suppressions', jsonBody({ limit: '64kb' }), express.text({ type: ['text/csv', 'application/csv'], limit: '16mb' }), async (req, res) => {
    if (req.is(['text/csv', 'application/csv'])) {
      const rows = parseCsvRows(String(req.body ?? ''), ['phone', 'reason']);
      const entries = rows.map((row, i) => {
        const parsed = suppressionEntry.safeParse(Object.fromEntries(Object.entries(row).filter(([, v]) => v !== '')));
        if (!parsed.success) throw new ValidationError('The CSV has bad rows', parsed.error.issues.map((x) => ({ path: `rows[${i}].${x.path.join('.')}`, message: x.message })));
        return parsed.data;
      });
      const added = await addSuppressions(prisma, entries, 'csv');
      res.status(201).json({ imported: added });
      return;
    }
    if (!req.is('application/json')) throw new AppError('unsupported_media_type', 'Send application/json or text/csv');
    const e = parseWith(suppressionEntry, req.body);
    await addSuppressions(prisma, [e], 'api');
    res.status(201).json(await getSuppression(prisma, e.phone));
  });
  r.get('/suppressions', async (req, res) => {
    const q = parseWith(suppressionListQuery, req.query);
    res.json(await listSuppressions(prisma, q.limit, q.cursor ?? null));
  });
  r.get('/suppressions/:phone', async (req, res) => {
    res.json(await getSuppression(prisma, parseWith(z.object({ phone: phoneParam }), req.params).phone));
  });
  r.delete('/suppressions/:phone', async (req, res) => {
    await removeSuppression(prisma, parseWith(z.object({ phone: phoneParam }), req.params).phone);
    res.status(204).end();
  });
  return r;
}
