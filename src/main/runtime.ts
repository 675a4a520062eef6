import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { buildApp } from '../api/app.js';
import { CampaignSettingsCache } from '../app/campaign-policy.js';
import { deliverDueCallbacks, notifyFinishedCampaigns } from '../app/callbacks.js';
import { Dispatcher } from '../app/dispatcher.js';
import { expireOverdue } from '../app/expire-overdue.js';
import { ReportIngest } from '../app/ingest-events.js';
import { ReportHandoff } from '../app/report-handoff.js';
import { placeDial } from '../app/place-dial.js';
import { removeFinishedPrompts, renderPrompt, requestPrompts } from '../app/prepare-prompts.js';
import { decideIn, processReport } from '../app/process-report.js';
import { deliverRoutingAction, sendRoutingAction, type ClaimedAction } from '../app/send-routing-action.js';
import { applyRetention } from '../app/retention.js';
import { stateMetrics } from '../app/state-metrics.js';
import { sweepStragglers } from '../app/sweep-stragglers.js';
import { watchdogRound } from '../app/watchdog.js';
import type { Config } from '../config.js';
import { LeaderLease } from '../db/leader-lease.js';
import { applyMigrations, MIGRATE_LOCK_KEY } from '../db/migrate.js';
import { createDb } from '../db/prisma.js';
import type { Logger } from '../logger.js';
import { processMetrics } from '../metrics.js';
import { createPbxDriver } from '../pbx/create-driver.js';
import { JobQueues } from '../queues.js';
import { EspeakEngine } from '../tts/espeak-engine.js';
import { PromptStore } from '../tts/prompt-store.js';
import { ReportSources } from '../webhooks/report-sources.js';
import { startWorkers } from '../workers/workers.js';
import { startLeaderLoops } from './leader-loops.js';
import { migrationsDir, schemaPath } from '../db/paths.js';

export interface Roles {
  api: boolean;
  worker: boolean;
}

export interface Runtime {
  server: Server;
  stop(): Promise<void>;
}

/** Advisory-lock key of the leader (dispatcher, watchdog, sweeps); the migration lock is the one below it. */
const LEADER_KEY = MIGRATE_LOCK_KEY + 1n;

/**
 * The composition root: builds every adapter from config and starts the parts a process
 * plays. Every process that logs in to the PBX also serves the report webhook, because the
 * PBX sends reports to whoever logged in last (or to PBX_EVENTS_URL).
 */
export async function startRuntime(config: Config, roles: Roles, log: Logger): Promise<Runtime> {
  const migrated = await applyMigrations({ databaseUrl: config.database.url, migrationsDir, schemaPath, log: (event, fields) => (event === 'schema_engine.log' ? log.debug({ event, ...fields }, event) : log.info({ event, ...fields }, event)) });
  if (migrated.applied.length) log.info({ event: 'db.migrated', applied: migrated.applied }, 'migrations applied');

  const prisma = createDb(config.database.url, config.database.poolSize);
  // Workers block on Redis and must wait through a restart; producers must fail fast instead
  // (BullMQ's production guide), so a Redis outage never holds an HTTP request.
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
  const producerRedis = new Redis(config.redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  for (const r of [redis, producerRedis]) r.on('error', (err) => log.warn({ event: 'redis.error', err: err.message }, 'redis connection error'));
  const queues = new JobQueues(producerRedis, config.redis.prefix);
  const store = new PromptStore(new EspeakEngine(), config.media.dir);
  await mkdir(config.media.dir, { recursive: true });
  const settings = new CampaignSettingsCache(config.ivr, config.engine.unreachableRetryMs);
  const transitions = { log, codeSecret: config.codeSecret, settingsFor: (id: string, tx: Parameters<CampaignSettingsCache['get']>[0]) => settings.get(tx, id) };
  const routingDeps = () => ({ prisma, driver: driver!, log, retryLater: (id: bigint) => queues.enqueueRoute(id) });
  const send = (id: bigint) => sendRoutingAction(routingDeps(), id);
  const deliver = (action: ClaimedAction) => deliverRoutingAction(routingDeps(), action);
  const enqueueReports = (ids: bigint[]) => queues.enqueueReports(ids);
  const reportDeps = { ...transitions, prisma, log, deliverRoutingAction: deliver, prepareRouting: () => driver?.prepareRouting() };
  const handoff = new ReportHandoff({
    process: (id, callId) => processReport(reportDeps, id, callId),
    enqueue: enqueueReports,
    maxInline: config.engine.reportInlineMax,
    log,
  });
  const enqueueDials = (d: { callId: string; attemptNo: number }[]) => queues.enqueueDials(d);

  // The webhook must listen before the driver logs in, so the PBX is told the real port.
  let driver: ReturnType<typeof createPbxDriver> | null = null;
  const receiver = {
    receiveReport: (body: unknown, at: Date) => (driver?.receiveReport ? driver.receiveReport(body, at) : Promise.reject(new Error('PBX driver not started'))),
  };
  const app = buildApp({
    log,
    readiness: {
      database: async () => (await prisma.query('SELECT 1'), true),
      redis: async () => (await redis.ping()) === 'PONG',
      pbx: async () => (await driver!.health()).ok,
    },
    reports: { receiver, secret: config.pbx.reportSecret, sources: config.pbx.reportSources && new ReportSources(config.pbx.reportSources, config.pbx.url) },
    metrics: { registry: Registry.merge([processMetrics, stateMetrics({ prisma, queues: Object.values(queues.queues) })]), token: config.metricsToken },
    api: roles.api ? { ...transitions, prisma, apiKeys: config.apiKeys, apiRateLimit: config.apiRateLimit, deliverRoutingAction: deliver, queues: Object.values(queues.queues) } : undefined,
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(config.http.port, () => resolve(s));
  });
  driver = createPbxDriver(config, log, (server.address() as AddressInfo).port);
  const reportIngest = new ReportIngest({
    prisma,
    codeSecret: config.codeSecret,
    handOut: (reports) => handoff.handOut(reports),
    // REPORT_INLINE_MAX=0 leaves every report to the workers, code entries too.
    decide: config.engine.reportInlineMax > 0 ? { inTransaction: (tx, report) => decideIn(reportDeps, tx, report), log } : undefined,
  });
  await driver.start((events) => reportIngest.ingest(events));

  const stoppers: (() => Promise<void>)[] = [];
  if (roles.worker) {
    const pbx = driver;
    const workers = startWorkers(redis, config.redis.prefix, {
      dial: ({ callId, attemptNo, slotAt }) => placeDial({ ...transitions, prisma, driver: pbx, log, entryIvr: config.ivr.entry, store, leadMs: config.engine.dialLeadMs }, callId, attemptNo, slotAt),
      render: ({ callId }) => renderPrompt({ ...transitions, prisma, store, log }, callId),
      report: ({ reportId }) => processReport(reportDeps, BigInt(reportId)),
      route: ({ actionId }) => send(BigInt(actionId)),
    }, log);
    const dispatcher = new Dispatcher({ ...transitions, prisma, settings, log, pbxMaxConcurrent: config.engine.pbxMaxConcurrent, numberDailyCap: config.engine.numberDailyCap, reportBacklogMax: config.engine.reportBacklogMax, enqueueDials });
    const loops = startLeaderLoops(new LeaderLease(config.database.url, LEADER_KEY), [
      { name: 'dispatch', everyMs: config.engine.dispatchIntervalMs, run: () => dispatcher.tick() },
      { name: 'complete', everyMs: 500, run: () => dispatcher.completeFinished() },
      { name: 'deadlines', everyMs: 1000, run: () => expireOverdue({ ...transitions, prisma }) },
      { name: 'callbacks', everyMs: 500, run: async () => (await notifyFinishedCampaigns(prisma)) + (await deliverDueCallbacks({ prisma, log, ...config.callbacks, timeoutMs: 10_000 })) },
      { name: 'prompts', everyMs: 200, run: () => requestPrompts({ prisma, enqueueRenders: (ids) => queues.enqueueRenders(ids), lookahead: config.media.lookahead, graceMs: config.engine.sweepGraceMs * 6 }) },
      { name: 'prompt-cleanup', everyMs: 1000, run: () => removeFinishedPrompts({ prisma, store, keep: config.media.keepPrompts }) },
      { name: 'watchdog', everyMs: Math.max(100, Math.floor(config.engine.watchdogSilenceMs / 4)), run: () => watchdogRound({ ...transitions, prisma, driver: pbx, log, silenceMs: config.engine.watchdogSilenceMs }) },
      { name: 'retention', everyMs: config.retention.intervalMs, run: () => applyRetention({ prisma, store, log, days: config.retention.days }) },
      { name: 'sweep', everyMs: Math.max(100, Math.floor(config.engine.sweepGraceMs / 2)), run: () => sweepStragglers({ prisma, enqueueReports, enqueueDials, sendRoutingAction: send, graceMs: config.engine.sweepGraceMs }) },
    ], log);
    stoppers.push(() => loops.stop(), async () => void (await Promise.all(workers.map((w) => w.close()))));
  }

  let stopping: Promise<void> | null = null;
  return {
    server,
    stop() {
      stopping ??= (async () => {
        // New connections are refused at once; requests under way, and jobs, may finish.
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        for (const stop of stoppers) await stop();
        // Open streams (the dashboard's live updates) would hold the server open for ever.
        await Promise.race([serverClosed, new Promise((r) => setTimeout(r, config.shutdownGraceMs).unref())]);
        server.closeAllConnections();
        await reportIngest.drain();
        await handoff.drain();
        await driver?.stop();
        await queues.close();
        await prisma.$disconnect();
        redis.disconnect();
        producerRedis.disconnect();
      })();
      return stopping;
    },
  };
}
