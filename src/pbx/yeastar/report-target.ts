import type { ReportTarget } from './yeastar-api.js';

/** Path under which codecall's webhook takes the PBX's reports; the secret follows it. */
export const REPORT_PATH = '/pbx/reports';

/**
 * Where login tells the PBX to send reports. Without an events URL the PBX posts to the
 * address we logged in from, on our port; with one (NAT, load balancer) to that address.
 * The secret path segment stands in for the signature the PBX cannot make.
 */
export function reportTarget(opts: { port: number; secret: string; eventsUrl?: URL }): ReportTarget {
  const path = `${REPORT_PATH}/${encodeURIComponent(opts.secret)}`;
  if (!opts.eventsUrl) return { port: String(opts.port), url: path.slice(1), urltag: '0' };
  const base = opts.eventsUrl;
  const port = base.port || (base.protocol === 'https:' ? '443' : '80');
  // The PBX wants host:port/path without a scheme, and sends plain HTTP.
  return { port, url: `${base.hostname}:${port}${base.pathname.replace(/\/$/, '')}${path}`, urltag: '1' };
}
