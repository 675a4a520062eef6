import { describe, it, expect } from 'vitest';
import { reportTarget, REPORT_PATH } from '../../src/pbx/yeastar/report-target.js';

const SECRET = 's3cret-path-segment-0123';

function target(over: { port?: number; secret?: string; eventsUrl?: string } = {}) {
  return reportTarget({
    port: over.port ?? 3000,
    secret: over.secret ?? SECRET,
    eventsUrl: over.eventsUrl === undefined ? undefined : new URL(over.eventsUrl),
  });
}

describe('reportTarget without PBX_EVENTS_URL (PBX posts back to the login address)', () => {
  it('sends the port as a string, the path without a leading slash and urltag "0"', () => {
    expect(target({ port: 3000 })).toEqual({ port: '3000', url: `pbx/reports/${SECRET}`, urltag: '0' });
  });

  it('puts the secret in the url under the report path', () => {
    const { url } = target({ port: 8260, secret: 'another-secret-value' });
    expect(url.startsWith('/')).toBe(false);
    expect(`/${url}`).toBe(`${REPORT_PATH}/another-secret-value`);
  });

  it('escapes a secret that is not URL-safe', () => {
    expect(target({ secret: 'a/b c?d#e-long-enough' }).url).toBe('pbx/reports/a%2Fb%20c%3Fd%23e-long-enough');
  });
});

describe('reportTarget with an absolute PBX_EVENTS_URL (NAT, load balancer)', () => {
  it('uses urltag "1" and host:port/path + secret without the scheme', () => {
    expect(target({ port: 3000, eventsUrl: 'http://203.0.113.7:8260/codecall' })).toEqual({
      port: '8260',
      url: `203.0.113.7:8260/codecall/pbx/reports/${SECRET}`,
      urltag: '1',
    });
  });

  it('defaults the port to 80 for http', () => {
    expect(target({ eventsUrl: 'http://events.example.com' })).toEqual({
      port: '80',
      url: `events.example.com:80/pbx/reports/${SECRET}`,
      urltag: '1',
    });
  });

  it('defaults the port to 443 for https', () => {
    expect(target({ eventsUrl: 'https://events.example.com/' })).toEqual({
      port: '443',
      url: `events.example.com:443/pbx/reports/${SECRET}`,
      urltag: '1',
    });
  });

  it('does not double the slash when the base path ends in one', () => {
    expect(target({ eventsUrl: 'http://events.example.com:9000/base/' }).url).toBe(`events.example.com:9000/base/pbx/reports/${SECRET}`);
  });

  it('ignores the local listening port', () => {
    expect(target({ port: 3000, eventsUrl: 'http://events.example.com:9000/' }).port).toBe('9000');
  });
});
