import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AUDITED_ROUTES, UNAUDITED_POSTS } from '../../src/api/audit-trail.js';
import { createApiKey } from '../../src/app/api-keys.js';
import { createStaffUser } from '../../src/app/staff-auth.js';
import { Browser } from '../support/browser.js';
import { useEngine } from '../support/engine-harness.js';

const METRICS_TOKEN = 'metrics-token-0123456789';
const SIM_SN = '368182384620';
const e = useEngine({ env: { METRICS_TOKEN, PBX_SN: SIM_SN, API_RATE_LIMIT: '30' } });

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[]; router?: { stack: Layer[] } };
  rawPath?: string;
}

/** Every method and path the running service serves, found by walking its routers. */
function servedRoutes(stack: Layer[], prefix = ''): { method: string; path: string }[] {
  return stack.flatMap((layer) => {
    if (layer.route) return Object.keys(layer.route.methods).map((m) => ({ method: m.toUpperCase(), path: prefix + layer.route!.path }));
    const inner = layer.handle.stack ?? layer.handle.router?.stack;
    if (inner) return servedRoutes(inner, prefix + (layer.rawPath && layer.rawPath !== '/' ? layer.rawPath : ''));
    return [];
  });
}

/**
 * The routes anyone may call, each with why and how it protects itself. Everything else must
 * turn away a request with no API key and no session.
 */
const PUBLIC: Record<string, string> = {
  'GET /healthz': 'liveness probe; says only "ok"',
  'GET /readyz': 'readiness probe; says only which dependency is down',
  'GET /metrics': 'Prometheus; needs METRICS_TOKEN when set (checked below)',
  'POST /pbx/reports/:secret': 'the PBX webhook; secret path, source address and sn (checked below)',
  'GET /login': 'the sign-in form',
  'POST /login': 'signing in; rate limited per address, lockout per account',
  'GET /lang/:lang': 'sets the language cookie',
  'GET /assets/:name': 'the dashboard scripts; no data',
};

function concrete(path: string): string {
  return path.replace(/:id\b/g, randomUUID()).replace(/:phone\b/g, '13800000000').replace(/:lang\b/g, 'en').replace(/:name\b/g, 'live.js').replace(/:secret\b/g, 'x'.repeat(20)).replace(/\*\w*/g, 'x');
}

describe('every route', () => {
  const routes = () => {
    const app = (e.runtime.server as unknown as { _events: { request: { router: { stack: Layer[] } } } })._events.request;
    return servedRoutes(app.router.stack);
  };

  it('turns away a request without a key or a session, except the few that protect themselves', async () => {
    const all = routes();
    expect(all.length).toBeGreaterThan(40);
    const open: string[] = [];
    for (const { method, path } of all) {
      const name = `${method} ${path}`;
      if (name in PUBLIC || path.startsWith('/admin/queues')) continue;
      const res = await fetch(e.baseUrl + concrete(path), { method, redirect: 'manual', headers: { 'content-type': 'application/json' }, body: method === 'GET' || method === 'HEAD' ? undefined : '{}' });
      const toSignIn = res.status === 303 && (res.headers.get('location') ?? '').startsWith('/login');
      if (!toSignIn && res.status !== 401 && res.status !== 403) open.push(`${name} -> ${res.status}`);
    }
    expect(open).toEqual([]);
  });

  it('keeps the job board behind an admin session', async () => {
    const board = routes().filter((r) => r.path.startsWith('/admin/queues'));
    expect(board.length).toBeGreaterThan(0);
    for (const r of board.filter((x) => x.method === 'GET')) {
      const res = await fetch(e.baseUrl + concrete(r.path), { redirect: 'manual' });
      expect([303, 401, 403], `${r.method} ${r.path}`).toContain(res.status);
    }
  });

  it('lists only public routes that exist', () => {
    const served = new Set(routes().map((r) => `${r.method} ${r.path}`));
    for (const name of Object.keys(PUBLIC)) expect(served, name).toContain(name);
  });
});

describe('the metrics endpoint', () => {
  it('answers only with the metrics token', async () => {
    expect((await fetch(`${e.baseUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${e.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(200);
  });
});

describe('the PBX report webhook', () => {
  const secretPath = () => {
    const login = e.sim.recorder.logins.at(-1);
    expect(login?.ok).toBe(true);
    // The URL, with its secret path, that the driver gave the PBX at login.
    return e.sim.reportUrl!;
  };
  const report = (sn: string) => JSON.stringify({ action: 'ALERT', callid: '1505352615.999', call: [{ outbound: { from: '6500', to: '13800000000', trunk: 't', outboundid: '1505352615.998' } }], sn });

  /** POSTs from a chosen local address: every 127.x.y.z reaches this machine. */
  function postFrom(localAddress: string, url: string, body: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method: 'POST', localAddress, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('takes reports from the PBX host with its serial number', async () => {
    expect(await postFrom('127.0.0.1', secretPath(), report(SIM_SN))).toBe(200);
  });

  it('refuses, with 403, reports with a wrong path, from another address, or from a PBX with another serial number', async () => {
    const url = new URL(secretPath());
    expect(await postFrom('127.0.0.1', `${url.origin}/pbx/reports/${'y'.repeat(20)}`, report(SIM_SN))).toBe(403);
    expect(await postFrom('127.0.0.2', url.href, report(SIM_SN))).toBe(403);
    expect(await postFrom('127.0.0.1', url.href, report('999999999999'))).toBe(403);
    const metrics = await (await fetch(`${e.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    for (const reason of ['bad_path', 'source', 'sn']) expect(metrics).toMatch(new RegExp(`^codecall_pbx_reports_rejected_total\\{reason="${reason}"\\} [1-9]`, 'm'));
  });
});

describe('every answer', () => {
  it('carries the security headers, and no stack trace or internals on an error', async () => {
    const res = await fetch(`${e.baseUrl}/api/campaigns/not-a-uuid`, { headers: { authorization: 'Bearer nope' } });
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-powered-by')).toBeNull();
    const body = await (await fetch(`${e.baseUrl}/api/campaigns`, { method: 'POST', headers: { authorization: 'Bearer test-api-key-0123456789', 'content-type': 'application/json' }, body: '{"name": ' })).text();
    expect(body).not.toMatch(/at .*\.(ts|js):\d+|node_modules|SyntaxError/);
  });
});

/** A GET from a chosen local address, as another client would send it. */
function getFrom(localAddress: string, url: string, key: string): Promise<{ status: number; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { localAddress, headers: { authorization: `Bearer ${key}` } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('API keys', () => {
  it('are limited to API_RATE_LIMIT requests a minute each, with Retry-After', async () => {
    const key = await createApiKey(e.prisma, 'busy-client', ['read']);
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await getFrom('127.0.0.4', `${e.baseUrl}/api/campaigns`, key)).status);
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    const over = await getFrom('127.0.0.4', `${e.baseUrl}/api/campaigns`, key);
    expect(over.status).toBe(429);
    expect(Number(over.retryAfter)).toBeGreaterThan(0);
    // Another key is not held back by it.
    expect((await getFrom('127.0.0.4', `${e.baseUrl}/api/campaigns`, await createApiKey(e.prisma, 'calm-client', ['read']))).status).toBe(200);
  });

  it('cannot be guessed: an address that sent twenty wrong keys in a minute is refused, even with a right one', async () => {
    const good = await createApiKey(e.prisma, 'guessed-client', ['read']);
    for (let i = 0; i < 20; i++) expect((await getFrom('127.0.0.3', `${e.baseUrl}/api/campaigns`, `guess-${i}-0123456789abcdef`)).status).toBe(401);
    const blocked = await getFrom('127.0.0.3', `${e.baseUrl}/api/campaigns`, good);
    expect(blocked.status).toBe(429);
    expect((await getFrom('127.0.0.1', `${e.baseUrl}/api/campaigns`, good)).status).toBe(200);
  });
});

describe('the audit log', () => {
  const admin = (path: string) => e.api('GET', path);

  it('records who created, paused, cancelled and exported what, readable with an admin key only', async () => {
    const key = await createApiKey(e.prisma, 'booking-office', ['submit', 'read']);
    const call = (method: string, path: string, body?: unknown) =>
      fetch(e.baseUrl + path, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
    const created = await call('POST', '/api/campaigns', { name: 'audited', calls: [{ phone: '13744440005', code: '1234' }], options: { window: { start: '00:00', end: '00:01', timezone: 'Pacific/Kiritimati' } } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await call('POST', `/api/campaigns/${id}/pause`);
    await call('POST', `/api/campaigns/${id}/cancel`);
    expect((await call('POST', `/api/campaigns/${id}/resume`)).status).toBe(409);

    await createStaffUser(e.prisma, 'olga', 'a long passphrase 123', 'operator');
    const staff = new Browser(e.baseUrl);
    expect((await staff.signIn('olga', 'a long passphrase 123')).status).toBe(303);
    expect((await staff.get(`/campaigns/${id}/export.csv`)).status).toBe(200);

    expect((await call('GET', '/api/audit')).status).toBe(403);
    // Rows are written once each answer went out: give the last one a moment.
    let mine: { actor: string; action: string; target: string; reqId: string | null }[] = [];
    for (let i = 0; i < 50 && mine.length < 4; i++) {
      const log = await admin('/api/audit?limit=20');
      expect(log.status).toBe(200);
      mine = (log.body.items as typeof mine).filter((x) => x.target === id).reverse();
      if (mine.length < 4) await new Promise((r) => setTimeout(r, 20));
    }
    expect(mine.map((i) => `${i.actor} ${i.action}`)).toEqual([
      'key:booking-office campaign.create',
      'key:booking-office campaign.pause',
      'key:booking-office campaign.cancel',
      'staff:olga campaign.export',
    ]);
    expect(mine.every((i) => i.reqId)).toBe(true);
    expect((await admin('/api/audit?action=campaign.export&actor=staff:olga')).body.items).toHaveLength(1);
  });

  it('covers every route that changes something', () => {
    const app = (e.runtime.server as unknown as { _events: { request: { router: { stack: Layer[] } } } })._events.request;
    const changing = servedRoutes(app.router.stack)
      .filter((r) => r.method !== 'GET' && !r.path.startsWith('/admin/queues'))
      .map((r) => `${r.method} ${r.path}`);
    const unaccounted = changing.filter((name) => !(name in AUDITED_ROUTES) && !(name in UNAUDITED_POSTS));
    expect(unaccounted).toEqual([]);
    const served = new Set(servedRoutes(app.router.stack).map((r) => `${r.method} ${r.path}`));
    for (const name of [...Object.keys(AUDITED_ROUTES), ...Object.keys(UNAUDITED_POSTS)]) expect(served, name).toContain(name);
  });
});
