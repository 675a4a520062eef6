import type { RequestHandler } from 'express';
import { recordAudit } from '../app/audit.js';
import type { Db } from '../db/prisma.js';
import type { Logger } from '../logger.js';

/** The routes that change something (or export data), and the audit action each records. */
export const AUDITED_ROUTES: Record<string, string> = {
  'POST /api/campaigns': 'campaign.create',
  'POST /api/campaigns/:id/pause': 'campaign.pause',
  'POST /api/campaigns/:id/resume': 'campaign.resume',
  'POST /api/campaigns/:id/cancel': 'campaign.cancel',
  'POST /api/calls/:id/cancel': 'call.cancel',
  'POST /api/calls/:id/retry': 'call.retry',
  'POST /api/callbacks/:id/redeliver': 'callback.redeliver',
  'POST /api/suppressions': 'suppression.add',
  'DELETE /api/suppressions/:phone': 'suppression.remove',
  'POST /campaigns/new': 'campaign.create',
  'POST /campaigns/:id/pause': 'campaign.pause',
  'POST /campaigns/:id/resume': 'campaign.resume',
  'POST /campaigns/:id/cancel': 'campaign.cancel',
  'GET /campaigns/:id/export.csv': 'campaign.export',
  'POST /admin/users': 'user.create',
  'POST /admin/users/:id/role': 'user.role',
  'POST /admin/keys': 'key.create',
  'POST /admin/keys/revoke': 'key.revoke',
};

/** Routes that take a POST but change nothing anyone needs to answer for. */
export const UNAUDITED_POSTS: Record<string, string> = {
  'POST /login': 'signing in (failures are rate limited and locked out instead)',
  'POST /logout': 'signing out',
  'POST /campaigns/new/preview': 'checks a CSV, stores nothing',
  'POST /pbx/reports/:secret': 'the PBX reporting calls',
};

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/**
 * Records an audit row for every audited route that succeeded, once the answer is sent, with
 * the actor the key or session check put in res.locals.actor.
 */
export function auditTrail(prisma: Db, log: Logger): RequestHandler {
  return (req, res, next) => {
    res.on('finish', () => {
      if (!req.route || res.statusCode >= 400) return;
      const action = AUDITED_ROUTES[`${req.method} ${req.baseUrl}${String(req.route.path)}`];
      if (!action) return;
      const body = (req.body ?? {}) as Record<string, unknown>;
      const created = UUID.exec(String(res.getHeader('location') ?? ''))?.[0];
      const named = [body.username, body.name, body.phone].find((v) => typeof v === 'string');
      const target = String(req.params.id ?? req.params.phone ?? created ?? named ?? '') || null;
      const detail = action === 'user.role' ? { role: body.role } : action === 'key.create' ? { scopes: body.scopes } : action === 'call.cancel' ? { hangup: req.query.hangup === 'true' } : null;
      recordAudit(prisma, { actor: String(res.locals.actor ?? 'unknown'), action, target, detail, ip: req.ip ?? null, reqId: String(res.locals.reqId ?? '') || null }).catch((err: Error) =>
        log.error({ event: 'audit.failed', action, err: err.message }, 'audit row not written'),
      );
    });
    next();
  };
}
