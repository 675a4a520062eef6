import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaffUser } from '../../src/app/staff-auth.js';
import { Browser } from '../support/browser.js';
import { startEngine, smsCall, type Engine } from '../support/engine-harness.js';

let e: Engine;
let campaignId: string;
const PASSWORD = 'correct horse battery';
const PHONE = '13800138000';

beforeAll(async () => {
  e = await startEngine();
  await createStaffUser(e.prisma, 'ada', PASSWORD, 'admin');
  await createStaffUser(e.prisma, 'otto', PASSWORD, 'operator');
  await createStaffUser(e.prisma, 'vera', PASSWORD, 'viewer');
  await createStaffUser(e.prisma, 'lock', PASSWORD, 'viewer');
  const res = await e.api('POST', '/api/campaigns', { name: 'Exams <script>alert(1)</script>', calls: [smsCall(e, PHONE, '97531', { ref: 'r-1' }), { phone: '13800138006', code: '1111', ref: 'r-2' }], options: { retryDelaySeconds: 0, maxDialAttempts: 1 } });
  campaignId = res.body.id;
  await e.waitForCampaign(campaignId);
});
afterAll(async () => {
  await e?.close();
});

const signedIn = async (user: string, headers: Record<string, string> = {}) => {
  const b = new Browser(e.baseUrl, headers);
  const res = await b.signIn(user, PASSWORD);
  expect(res.status).toBe(303);
  return b;
};

describe('signing in to the dashboard', () => {
  it('sends a visitor without a session to the sign-in page', async () => {
    const b = new Browser(e.baseUrl);
    const res = await b.get(`/campaigns/${campaignId}`);
    expect(res.status).toBe(303);
    expect(res.location).toBe(`/login?next=${encodeURIComponent(`/campaigns/${campaignId}`)}`);
    const login = await b.get('/login');
    expect(login.text).toMatch(/<form method="post" action="\/login/);
    expect(login.text).toMatch(/<label for="password">/);
  });

  it('sets an HttpOnly, SameSite session cookie and lands on the campaign list', async () => {
    const b = new Browser(e.baseUrl);
    const login = await b.get('/login');
    const res = await b.post('/login', { csrf: Browser.csrfOf(login.text), username: 'ada', password: PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.getSetCookie().find((c) => c.startsWith('codecall_session='))).toMatch(/HttpOnly; SameSite=Lax/);
    const list = await b.get('/');
    expect(list.status).toBe(200);
    expect(list.text).toContain('Exams &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(list.text).not.toContain('<script>alert(1)');
  });

  it('refuses a sign-in without the form token (CSRF)', async () => {
    const b = new Browser(e.baseUrl);
    const res = await b.post('/login', { csrf: 'forged', username: 'ada', password: PASSWORD });
    expect(res.status).toBe(403);
  });

  it('refuses a wrong password, and locks the account after five in a row', async () => {
    const b = new Browser(e.baseUrl);
    for (let i = 0; i < 5; i++) expect((await b.signIn('lock', 'wrong password!')).status).toBe(401);
    expect((await b.signIn('lock', PASSWORD)).status).toBe(401);
  });

  it('signs out, after which the session no longer works', async () => {
    const b = await signedIn('vera');
    const home = await b.get('/');
    expect((await b.post('/logout', { csrf: Browser.csrfOf(home.text) })).status).toBe(303);
    expect((await b.get('/')).status).toBe(303);
  });
});

describe('what each role may do', () => {
  it('shows operators full numbers and viewers masked ones, on pages and in the export', async () => {
    const operator = await signedIn('otto');
    const viewer = await signedIn('vera');
    expect((await operator.get(`/campaigns/${campaignId}`)).text).toContain(PHONE);
    const page = (await viewer.get(`/campaigns/${campaignId}`)).text;
    expect(page).toContain('138****8000');
    expect(page).not.toContain(PHONE);
    const csv = (await viewer.get(`/campaigns/${campaignId}/export.csv`)).text;
    expect(csv.split('\n')[0]).toBe('phone,ref,status,outcome,dial_attempts,code_attempts,created_at,finished_at');
    expect(csv).toContain('138****8000,r-1,done,verified,1,1,');
    expect(csv).not.toContain('97531');
    expect((await operator.get(`/campaigns/${campaignId}/export.csv`)).text).toContain(`${PHONE},r-1,done,verified`);
  });

  it('lets a viewer read but not pause, resume or cancel', async () => {
    const viewer = await signedIn('vera');
    const page = await viewer.get(`/campaigns/${campaignId}`);
    expect(page.text).not.toMatch(/action="\/campaigns\/[^"]+\/(pause|cancel)"/);
    expect((await viewer.post(`/campaigns/${campaignId}/pause`, { csrf: Browser.csrfOf(page.text) })).status).toBe(403);
  });

  it('lets an operator pause and resume with the form token, and refuses a forged form', async () => {
    const res = await e.api('POST', '/api/campaigns', { name: 'to pause', calls: [{ phone: '13800138017', code: '1234' }], options: { window: { start: '00:00', end: '00:01', timezone: 'Pacific/Kiritimati' } } });
    const operator = await signedIn('otto');
    const page = await operator.get(`/campaigns/${res.body.id}`);
    expect((await operator.post(`/campaigns/${res.body.id}/pause`, { csrf: 'forged' })).status).toBe(403);
    expect((await operator.post(`/campaigns/${res.body.id}/pause`, { csrf: Browser.csrfOf(page.text) })).status).toBe(303);
    expect((await e.api('GET', `/api/campaigns/${res.body.id}`)).body.status).toBe('paused');
    const paused = await operator.get(`/campaigns/${res.body.id}`);
    expect(paused.text).toMatch(/action="\/campaigns\/[^"]+\/resume"/);
    await operator.post(`/campaigns/${res.body.id}/cancel`, { csrf: Browser.csrfOf(paused.text) });
    expect((await e.api('GET', `/api/campaigns/${res.body.id}`)).body.status).toBe('cancelled');
  });
});

describe('the pages', () => {
  it('show the funnel, the outcome counts and each call with its timeline', async () => {
    const b = await signedIn('ada');
    const page = (await b.get(`/campaigns/${campaignId}`)).text;
    expect(page).toMatch(/<th scope="row">Dialled<\/th><td>2<\/td>/);
    expect(page).toMatch(/<th scope="row">Verified<\/th><td>1<\/td>/);
    expect(page).toContain('data-outcome="busy">1<');
    const callId = /href="\/calls\/([0-9a-f-]+)">13800138000</.exec(page)?.[1];
    const call = (await b.get(`/calls/${callId}`)).text;
    expect(call).toContain('pbx.answered');
    expect(call).toContain('route.transfer');
    expect(call).not.toContain('97531');
  });

  it('filter calls by outcome and find them by phone prefix or ref', async () => {
    const b = await signedIn('ada');
    const busy = (await b.get(`/campaigns/${campaignId}?outcome=busy`)).text;
    expect(busy).toContain('13800138006');
    expect(busy).not.toContain(`>${PHONE}<`);
    expect((await b.get(`/campaigns/${campaignId}?q=r-1`)).text).toContain(`>${PHONE}<`);
    expect((await b.get(`/campaigns/${campaignId}?q=1380013800`)).text).toContain(`>${PHONE}<`);
  });

  it('speak Chinese to a browser that asks for it, and switch language on request', async () => {
    const zh = await signedIn('ada', { 'accept-language': 'zh-CN,zh;q=0.9' });
    const page = (await zh.get('/')).text;
    expect(page).toContain('<html lang="zh-CN">');
    expect(page).toContain('外呼任务');
    await zh.get('/lang/en');
    expect((await zh.get('/')).text).toContain('<h1>Campaigns</h1>');
  });

  it('feed the live progress as JSON to signed-in staff only', async () => {
    const b = await signedIn('vera');
    const rows = JSON.parse((await b.get('/ui/progress')).text) as { id: string; done: number; total: number; outcomes: string }[];
    expect(rows.find((r) => r.id === campaignId)).toMatchObject({ done: 2, total: 2, outcomes: 'verified 1 · busy 1' });
    expect((await b.get('/')).text).toContain('<td data-field="outcomes">verified 1 · busy 1</td>');
    expect((await new Browser(e.baseUrl).get('/ui/progress')).status).toBe(303);
  });
});

describe('a new campaign from a CSV upload', () => {
  it('previews the bad rows and why, stores nothing, and submits a clean file once', async () => {
    const operator = await signedIn('otto');
    const form = await operator.get('/campaigns/new');
    const csrf = Browser.csrfOf(form.text);
    const before = await e.prisma.campaign.count();
    const bad = await operator.post('/campaigns/new/preview', { csrf, name: 'Upload', maxConcurrent: '2', callsPerSecond: '5', csv: 'phone,code,ref\n13900000000,1234,a\nnot-a-phone,1234,b\n13900000002,12,c\n' });
    expect(bad.text).toContain('3 rows, 2 problems.');
    expect(bad.text).toContain('line 3 (calls[1].phone)');
    expect(bad.text).toContain('line 4 (calls[2].code)');
    expect(bad.text).not.toContain('action="/campaigns/new"><input');
    const good = await operator.post('/campaigns/new/preview', { csrf, name: 'Upload', maxConcurrent: '2', callsPerSecond: '5', csv: 'phone,code,ref\n13900000000,1234,a\n13900000001,4321,b\n' });
    expect(good.text).toContain('2 rows, 0 problems.');
    expect(await e.prisma.campaign.count()).toBe(before);
    const submit = Object.fromEntries([...good.text.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')]));
    const created = await operator.post('/campaigns/new', submit);
    expect(created.status).toBe(303);
    expect(created.location).toMatch(/^\/campaigns\/[0-9a-f-]{36}$/);
    expect((await operator.post('/campaigns/new', submit)).location).toBe(created.location);
    expect(await e.prisma.campaign.count()).toBe(before + 1);
  });

  it('is for operators: a viewer may not upload', async () => {
    const viewer = await signedIn('vera');
    expect((await viewer.get('/campaigns/new')).status).toBe(403);
  });
});

describe('the queues board', () => {
  it('opens for admins only', async () => {
    expect((await (await signedIn('ada')).get('/admin/queues')).status).toBe(200);
    expect((await (await signedIn('otto')).get('/admin/queues')).status).toBe(403);
    expect((await new Browser(e.baseUrl).get('/admin/queues')).status).toBe(303);
  });
});

describe('staff accounts', () => {
  it('are created and given roles by admins, and a new role ends the old sessions', async () => {
    const admin = await signedIn('ada');
    const page = await admin.get('/admin/users');
    expect(page.status).toBe(200);
    expect((await admin.post('/admin/users', { csrf: Browser.csrfOf(page.text), username: 'nina', password: PASSWORD, role: 'viewer' })).status).toBe(303);
    const nina = await signedIn('nina');
    expect((await nina.get('/campaigns/new')).status).toBe(403);
    const users = await admin.get('/admin/users');
    const ninaId = /action="\/admin\/users\/([0-9a-f-]+)\/role"[^]*?<\/form><\/td><td><\/td><\/tr>/.exec(users.text.slice(users.text.indexOf('<td>nina</td>')))?.[1];
    expect(ninaId).toBeDefined();
    expect((await admin.post(`/admin/users/${ninaId}/role`, { csrf: Browser.csrfOf(users.text), role: 'operator' })).status).toBe(303);
    expect((await nina.get('/')).status).toBe(303);
    expect((await (await signedIn('nina')).get('/campaigns/new')).status).toBe(200);
  });

  it('are for admins only', async () => {
    const operator = await signedIn('otto');
    expect((await operator.get('/admin/users')).status).toBe(403);
    const home = await operator.get('/');
    expect((await operator.post('/admin/users', { csrf: Browser.csrfOf(home.text), username: 'mallory', password: PASSWORD, role: 'admin' })).status).toBe(403);
  });
});

describe('the campaign and call pages in detail', () => {
  it('chart attempts and answers over time, with the numbers as a table', async () => {
    const page = (await (await signedIn('ada')).get(`/campaigns/${campaignId}`)).text;
    expect(page).toMatch(/<svg viewBox="0 0 640 160" width="100%" role="img" aria-label="Attempts and answers over time">/);
    const rows = [...page.matchAll(/<tr><td>\d\d:\d\d:\d\d<\/td><td>(\d+)<\/td><td>(\d+)<\/td><\/tr>/g)];
    expect(rows.reduce((sum, m) => sum + Number(m[1]), 0)).toBe(2);
    expect(rows.reduce((sum, m) => sum + Number(m[2]), 0)).toBe(1);
  });

  it('list the attempts of a call', async () => {
    const b = await signedIn('ada');
    const page = (await b.get(`/campaigns/${campaignId}`)).text;
    const callId = /href="\/calls\/([0-9a-f-]+)">13800138006</.exec(page)?.[1];
    const call = (await b.get(`/calls/${callId}`)).text;
    expect(call).toMatch(/<tr><td>1<\/td><td>ended<\/td><td>[\d:.]+<\/td><td><\/td><td>[\d:.]+<\/td><td>busy<\/td><\/tr>/);
  });
});

describe('API keys', () => {
  it('are created by an admin, shown once, scoped, and stop working when revoked', async () => {
    const admin = await signedIn('ada');
    const page = await admin.get('/admin/keys');
    const created = await admin.request('POST', '/admin/keys', { csrf: Browser.csrfOf(page.text), name: 'reader', scopes: 'read' });
    expect(created.status).toBe(201);
    const key = /<code data-new-key>([^<]+)<\/code>/.exec(created.text)?.[1];
    expect(key).toMatch(/^cc_/);
    expect((await admin.get('/admin/keys')).text).not.toContain(key!);
    const asKey = (method: string, path: string, body?: unknown) =>
      fetch(e.baseUrl + path, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    expect((await asKey('GET', `/api/campaigns/${campaignId}`)).status).toBe(200);
    expect((await asKey('POST', '/api/campaigns', { name: 'x', calls: [{ phone: '13800000000', code: '1234' }] })).status).toBe(403);
    expect((await e.prisma.apiKey.findUnique({ where: { name: 'reader' } }))?.lastUsedAt).not.toBeNull();
    const list = await admin.get('/admin/keys');
    expect((await admin.post('/admin/keys/revoke', { csrf: Browser.csrfOf(list.text), name: 'reader' })).status).toBe(303);
    expect((await asKey('GET', `/api/campaigns/${campaignId}`)).status).toBe(401);
  });

  it('are stored only as hashes', async () => {
    const rows = await e.prisma.$queryRawUnsafe<{ t: string }[]>(`SELECT k::text AS t FROM api_key k`);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.t).not.toMatch(/cc_[\w-]{20,}/);
  });

  it('are managed by admins only', async () => {
    expect((await (await signedIn('otto')).get('/admin/keys')).status).toBe(403);
  });
});

describe('defences', () => {
  it('returns only to a path on this site after sign-in', async () => {
    for (const next of ['/%5Cevil.example', '//evil.example', 'https://evil.example']) {
      const b = new Browser(e.baseUrl);
      const login = await b.get(`/login?next=${encodeURIComponent(decodeURIComponent(next))}`);
      const res = await b.request('POST', `/login?next=${next}`, { csrf: Browser.csrfOf(login.text), username: 'ada', password: PASSWORD });
      expect(res.location).toBe('/');
    }
  });

  it('never lets a viewer search by phone, which would unmask numbers', async () => {
    const viewer = await signedIn('vera');
    expect((await viewer.get(`/campaigns/${campaignId}?q=1380013800`)).text).not.toContain('138****8000');
    expect((await viewer.get(`/campaigns/${campaignId}?q=r-1`)).text).toContain('138****8000');
  });

  it('sends dashboard pages unframeable, unsniffable and uncached', async () => {
    const page = await (await signedIn('ada')).get('/');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  it('defuses spreadsheet formulas in exported refs', async () => {
    const res = await e.api('POST', '/api/campaigns', { name: 'formulas', calls: [{ phone: '+8613800000001', code: '1234', ref: '=HYPERLINK("x")' }, { phone: '13800000002', code: '1234', ref: '\t=cmd' }], options: { window: { start: '00:00', end: '00:01', timezone: 'Pacific/Kiritimati' } } });
    const csv = (await (await signedIn('otto')).get(`/campaigns/${res.body.id}/export.csv`)).text;
    expect(csv).toContain(`+8613800000001,"'=HYPERLINK(""x"")",`);
    expect(csv).toContain(`13800000002,'\t=cmd,`);
    await e.api('POST', `/api/campaigns/${res.body.id}/cancel`);
  });
});

describe('the API description', () => {
  it('is served at /openapi.json to API keys and staff, and browsable at /docs when signed in', async () => {
    expect((await fetch(`${e.baseUrl}/openapi.json`)).status).toBe(401);
    const doc = (await e.api('GET', '/openapi.json')).body as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/campaigns/{id}/calls');
    const viewer = await signedIn('vera');
    expect((await viewer.get('/openapi.json')).status).toBe(200);
    expect((await viewer.get('/docs')).text).toContain('<code>POST /api/campaigns</code>');
  });
});

describe('guessing passwords', () => {
  it('is stopped per address after twenty failures in a minute, even for a right password', async () => {
    const b = new Browser(e.baseUrl);
    let status = 0;
    for (let i = 0; i < 25 && status !== 429; i++) status = (await b.signIn('nobody', 'guess')).status;
    expect(status).toBe(429);
    expect((await b.signIn('ada', PASSWORD)).status).toBe(429);
  });
});
