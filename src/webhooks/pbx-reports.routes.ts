import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { metrics } from '../metrics.js';
import { REPORT_PATH } from '../pbx/yeastar/report-target.js';
import type { ReportSources } from './report-sources.js';
import { jsonBody } from '../api/json-body.js';

export interface ReportReceiver {
  /** Resolves once the report is stored durably; the PBX resends anything not answered 200. */
  receiveReport(body: unknown, receivedAt: Date): Promise<void>;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The PBX's acknowledgement, written as is: no serialising, no ETag, for hundreds of reports a second. */
const SUCCESS = JSON.stringify({ status: 'Success' });

/**
 * The PBX's report webhook. The PBX cannot sign reports, so the secret path segment given
 * at login is the credential, on top of the source address (and the driver's `sn` check).
 * 200 only after the report is durable; 503 makes it resend.
 */
export function pbxReportRoutes(deps: { receiver: ReportReceiver; secret: string; sources: ReportSources | null; log: Logger }): Router {
  const r = Router();
  const expected = digest(deps.secret);
  // Checked before the body is read: a stranger's report costs no parsing.
  const fromAllowedSource: RequestHandler = async (req, _res, next) => {
    const allowed = !deps.sources || (await deps.sources.allows(req.socket.remoteAddress).catch(() => false));
    if (allowed) return next();
    metrics.reportsRejected.inc({ reason: 'source' });
    deps.log.warn({ event: 'report.rejected', reason: 'source', from: req.socket.remoteAddress }, 'report from an address not allowed to send them');
    next(new AppError('forbidden', 'Reports are not accepted from this address'));
  };
  r.post(`${REPORT_PATH}/:secret`, fromAllowedSource, jsonBody({ limit: '64kb', anyType: true }), async (req, res) => {
    const end = metrics.reportIngest.startTimer();
    if (!timingSafeEqual(digest(String(req.params.secret)), expected)) {
      metrics.reportsRejected.inc({ reason: 'bad_path' });
      throw new AppError('forbidden', 'Unknown report path');
    }
    try {
      await deps.receiver.receiveReport(req.body, new Date());
    } catch (err) {
      if (err instanceof AppError && (err.code === 'validation_failed' || err.code === 'forbidden')) {
        metrics.reportsRejected.inc({ reason: err.code === 'forbidden' ? 'sn' : 'invalid' });
        throw err;
      }
      metrics.reportsRejected.inc({ reason: 'not_stored' });
      deps.log.error({ event: 'report.store_failed', err: (err as Error).message }, 'report not stored; the PBX will resend it');
      throw new AppError('not_ready', 'Report not stored, send it again', { cause: err });
    }
    end();
    res.status(200).type('json').end(SUCCESS);
  });
  return r;
}
