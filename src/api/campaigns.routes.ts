import express, { Router } from 'express';
import { z } from 'zod';
import { campaignInput } from '../app/campaign-input.js';
import { actOnCall } from '../app/call-actions.js';
import type { ClaimedAction } from '../app/send-routing-action.js';
import { listCallbacks, redeliverCallback } from '../app/callbacks.js';
import type { TransitionDeps } from '../app/call-transitions.js';
import { changeCampaignStatus } from '../app/campaign-control.js';
import { getCall, getCampaign, listCalls, listCampaigns } from '../app/campaign-queries.js';
import { createCampaign } from '../app/create-campaign.js';
import { CALL_STATUSES, OUTCOMES } from '../domain/outcomes.js';
import type { Db } from '../db/prisma.js';
import { AppError } from '../errors.js';
import { campaignFromCsv } from './csv-campaign.js';
import { parseWith } from './parse.js';
import { validationErrorFrom } from './problem.js';
import { jsonBody } from './json-body.js';

export interface CampaignRoutesDeps extends TransitionDeps {
  prisma: Db;
  codeSecret: string;
  /** Sends routing actions an operator's action produced (the hang-up of a live call). */
  deliverRoutingAction: (action: ClaimedAction) => Promise<void>;
}

export const idParam = z.object({ id: z.uuid({ error: 'must be a UUID' }) });
const page = { limit: z.coerce.number().int().min(1).max(1000).default(100), cursor: z.string().min(1).optional() };
export const callsQuery = z.strictObject({ ...page, outcome: z.enum(OUTCOMES).optional(), status: z.enum(CALL_STATUSES).optional() });
export const campaignsQuery = z.strictObject(page);


/** /api/campaigns and /api/calls: thin adapters from HTTP to app/. */
export function campaignRoutes(deps: CampaignRoutesDeps): Router {
  const r = Router();
  // 100,000 calls of JSON are about 10 MB.
  const bodies = [jsonBody({ limit: '32mb' }), express.text({ type: ['text/csv', 'application/csv'], limit: '32mb' })];

  r.post('/campaigns', ...bodies, async (req, res) => {
    const isCsv = req.is(['text/csv', 'application/csv']);
    if (!isCsv && !req.is('application/json')) throw new AppError('unsupported_media_type', 'Send application/json or text/csv');
    const body = isCsv ? campaignFromCsv(String(req.body ?? ''), req.query as Record<string, unknown>) : req.body;
    const input = parseWith(campaignInput, body);
    const key = req.get('idempotency-key')?.trim() || null;
    if (key && key.length > 200) throw validationErrorFrom(new z.ZodError([{ code: 'custom', path: ['Idempotency-Key'], message: 'must be at most 200 characters', input: key }]));
    const { id, created } = await createCampaign(deps, input, key);
    res.status(201).setHeader('location', `/api/campaigns/${id}`);
    if (!created) res.setHeader('idempotent-replayed', 'true');
    res.json(await getCampaign(deps.prisma, id));
  });

  r.get('/campaigns', async (req, res) => {
    const q = parseWith(campaignsQuery, req.query);
    res.json(await listCampaigns(deps.prisma, q.limit, q.cursor ?? null));
  });

  r.get('/campaigns/:id', async (req, res) => {
    res.json(await getCampaign(deps.prisma, parseWith(idParam, req.params).id));
  });

  r.get('/campaigns/:id/calls', async (req, res) => {
    const { id } = parseWith(idParam, req.params);
    const q = parseWith(callsQuery, req.query);
    res.json(await listCalls(deps.prisma, id, { ...q, cursor: q.cursor ?? null }));
  });

  for (const action of ['pause', 'resume', 'cancel'] as const) {
    r.post(`/campaigns/:id/${action}`, async (req, res) => {
      const { id } = parseWith(idParam, req.params);
      await changeCampaignStatus(deps.prisma, id, action);
      res.json(await getCampaign(deps.prisma, id));
    });
  }

  r.get('/calls/:id', async (req, res) => {
    res.json(await getCall(deps.prisma, parseWith(idParam, req.params).id));
  });

  r.post('/calls/:id/cancel', async (req, res) => {
    const { id } = parseWith(idParam, req.params);
    const { hangup } = parseWith(z.strictObject({ hangup: z.enum(['true', 'false']).optional() }), req.query);
    for (const action of await actOnCall(deps, id, { type: 'cancel', hangup: hangup === 'true' })) await deps.deliverRoutingAction(action);
    res.json(await getCall(deps.prisma, id));
  });

  r.get('/campaigns/:id/callbacks', async (req, res) => {
    res.json({ items: await listCallbacks(deps.prisma, { campaignId: parseWith(idParam, req.params).id }) });
  });

  r.post('/callbacks/:id/redeliver', async (req, res) => {
    const { id } = parseWith(idParam, req.params);
    await redeliverCallback(deps.prisma, id);
    res.status(202).json({ id, state: 'pending' });
  });

  r.post('/calls/:id/retry', async (req, res) => {
    const { id } = parseWith(idParam, req.params);
    await actOnCall(deps, id, { type: 'retry-now' });
    res.json(await getCall(deps.prisma, id));
  });

  return r;
}
