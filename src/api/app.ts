import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Registry } from 'prom-client';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { metrics } from '../metrics.js';
import { pbxReportRoutes, type ReportReceiver } from '../webhooks/pbx-reports.routes.js';
import type { ReportSources } from '../webhooks/report-sources.js';
import { auditRoutes } from './audit.routes.js';
import { auditTrail } from './audit-trail.js';
import { requireApiKey, requireToken } from './auth.js';
import { campaignRoutes, type CampaignRoutesDeps } from './campaigns.routes.js';
import { newCampaignRoutes } from './dashboard/new-campaign.routes.js';
import { pageRoutes } from './dashboard/pages.routes.js';
import { queuesBoard } from './dashboard/queues-board.js';
import { keyRoutes } from './dashboard/keys.routes.js';
import { userRoutes } from './dashboard/users.routes.js';
import { loadSession, requireStaff, sessionRoutes } from './dashboard/session.js';
import { apiDocsPage } from './dashboard/api-docs.js';
import { assetRoutes } from './dashboard/assets.js';
import { buildOpenApi } from './openapi.js';
import { problemHandler } from './problem.js';
import { suppressionRoutes } from './suppressions.routes.js';

export interface AppDeps {
  log: Logger;
  /** Each check resolves true when its dependency is usable. */
  readiness: Record<string, () => Promise<boolean>>;
  reports: { receiver: ReportReceiver; secret: string; sources: ReportSources | null };
  /** Prometheus metrics; with a token, /metrics asks for it as a bearer token. */
  metrics: { registry: Registry; token: string | null };
  /** The booking-system API; absent in a worker process. */
  api?: CampaignRoutesDeps & { apiKeys: string[]; apiRateLimit: number; queues?: Queue[] };
}

const QUIET_ROUTES = /^(\/healthz|\/readyz|\/metrics|\/pbx\/.*)$/;

/** The HTTP surface: health, the PBX's report webhook and, in API processes, /api. */
export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Scripts only from files of our own (no inline script), styles may be inline (the bars' widths).
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
      referrerPolicy: { policy: 'same-origin' },
      xFrameOptions: { action: 'deny' },
      // HSTS belongs to the TLS terminator in front of codecall, which knows the host names.
      strictTransportSecurity: false,
    }),
  );
  app.set('json replacer', (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  app.use((req, res, next) => {
    const given = req.get('x-request-id');
    const reqId = given && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    res.locals.reqId = reqId;
    res.setHeader('x-request-id', reqId);
    const end = metrics.http.startTimer({ method: req.method });
    res.on('finish', () => {
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      const seconds = end({ route, status: String(res.statusCode) });
      // The PBX's reports and the probes come by the thousand; the rest is worth a line each.
      // Their line is not even built while its level is off: the webhook's CPU goes on
      // requests, and a fifth of it on collecting garbage (docs/BENCHMARKS.md).
      const level = QUIET_ROUTES.test(route) && res.statusCode < 400 ? 'debug' : 'info';
      if (!deps.log.isLevelEnabled(level)) return;
      const { secret: _secret, ...params } = req.params ?? {};
      const ids = Object.keys(params).length ? { params } : {};
      deps.log[level]({ reqId, event: 'http.request', method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000), ...ids }, `${req.method} ${route} ${res.statusCode}`);
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = Object.fromEntries(
      await Promise.all(Object.entries(deps.readiness).map(async ([name, check]) => [name, await check().catch(() => false)] as const)),
    );
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/metrics', requireToken(deps.metrics.token, 'the metrics token'), async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  app.use(pbxReportRoutes({ ...deps.reports, log: deps.log }));
  if (deps.api) {
    const apiKey = requireApiKey(deps.api.prisma, deps.api.apiKeys, deps.api.apiRateLimit);
    app.use(auditTrail(deps.api.prisma, deps.log));
    app.use('/api', apiKey, campaignRoutes(deps.api), suppressionRoutes(deps.api.prisma), auditRoutes(deps.api.prisma));
    app.use(assetRoutes(), loadSession(deps.api.prisma), sessionRoutes(deps.api.prisma), newCampaignRoutes(deps.api.prisma, deps.api.codeSecret), userRoutes(deps.api.prisma), keyRoutes(deps.api.prisma), pageRoutes(deps.api.prisma));
    // The API's documentation: for staff signed in to the dashboard, or with an API key.
    const openapi = buildOpenApi();
    app.get('/openapi.json', (req, res, next) => (res.locals.staff ? next() : apiKey(req, res, next)), (_req, res) => {
      res.json(openapi);
    });
    app.get('/docs', requireStaff('viewer'), (_req, res) => {
      res.type('html').send(apiDocsPage(openapi));
    });
    if (deps.api.queues) app.use(queuesBoard(deps.api.queues));
  }
  app.use((_req, _res, next) => next(new AppError('not_found', 'No such route')));
  app.use(problemHandler(deps.log));
  return app;
}
