import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics. What happens in this process (dials, reports, PBX requests) is counted
 * here, once per process, and summed across processes by Prometheus. What the system holds
 * (calls by status, queue depths) is read from PostgreSQL and Redis at scrape time by
 * `stateMetrics` (app/state-metrics.ts); every process reports the same values, so aggregate
 * those with max(), not sum().
 */
export const processMetrics = new Registry();
collectDefaultMetrics({ register: processMetrics, prefix: 'codecall_' });

const registers = [processMetrics];
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const metrics = {
  dials: new Counter({ name: 'codecall_dials_total', help: 'Dial requests by result: accepted, refused, unknown (no answer from the PBX), unreachable, withheld (not sent)', labelNames: ['result'] as const, registers }),
  answered: new Counter({ name: 'codecall_calls_answered_total', help: 'Attempts the callee answered', registers }),
  codeEntries: new Counter({ name: 'codecall_code_entries_total', help: 'Codes keyed by callers, by result: right or wrong', labelNames: ['result'] as const, registers }),
  reports: new Counter({ name: 'codecall_pbx_reports_total', help: 'Events in PBX reports, by type and whether they were new or resent copies', labelNames: ['type', 'result'] as const, registers }),
  reportsRejected: new Counter({ name: 'codecall_pbx_reports_rejected_total', help: 'PBX reports refused, by reason', labelNames: ['reason'] as const, registers }),
  reportIngest: new Histogram({ name: 'codecall_pbx_report_ingest_seconds', help: 'Time from a PBX report arriving to its durable 200 answer', buckets: LATENCY_BUCKETS, registers }),
  pbxRequests: new Histogram({ name: 'codecall_pbx_request_seconds', help: 'PBX API requests by endpoint and result: ok, rejected, unreachable, unknown', labelNames: ['endpoint', 'result'] as const, buckets: LATENCY_BUCKETS, registers }),
  pbxErrors: new Counter({ name: 'codecall_pbx_request_errors_total', help: 'PBX API requests that failed, by endpoint and errno (or unreachable, unknown)', labelNames: ['endpoint', 'errno'] as const, registers }),
  callbackDeliveries: new Counter({ name: 'codecall_callback_deliveries_total', help: 'Outcome callback tries by result: delivered, failed (will retry), dead (given up)', labelNames: ['result'] as const, registers }),
  http: new Histogram({ name: 'codecall_http_request_seconds', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'] as const, buckets: LATENCY_BUCKETS, registers }),
};
