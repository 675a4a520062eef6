import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, smsCall, phoneNumbers, useEngine } from '../support/engine-harness.js';

const e = useEngine();

const phone = phoneNumbers('1380');
/** Quick campaigns for the tests that wait for outcomes. */
const fast = { retryDelaySeconds: 0, maxConcurrent: 20, callsPerSecond: 50, maxDialAttempts: 1 };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OUTCOME_KEYS = ['verified', 'code_failed', 'declined', 'abandoned', 'no_answer', 'busy', 'failed', 'cancelled', 'expired', 'suppressed', 'opted_out'];

/** A request the harness's `api` cannot make: raw body, any content type, any headers. */
async function raw(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(e.baseUrl + path, { method, headers: init.headers, body: init.body });
  const text = await res.text();
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: res.status, body, headers: res.headers, text };
}

const contentType = (res: { headers: Headers }) => res.headers.get('content-type') ?? '';
const pathsOf = (body: any): string[] => (body?.errors ?? []).map((x: { path: string }) => x.path);

/** What a rejected request must leave untouched: the campaign list and the campaign and call tables. */
async function storedState() {
  const list = await e.api('GET', '/api/campaigns?limit=1000');
  return {
    campaigns: await e.prisma.campaign.count(),
    calls: await e.prisma.call.count(),
    listed: (list.body.items as { id: string }[]).map((c) => c.id).sort(),
  };
}

/** Asserts a 400 validation problem naming every one of `paths`, and that nothing was stored. */
async function expectRejectedWith(send: () => Promise<{ status: number; body: any; headers: Headers }>, paths: string[]) {
  const before = await storedState();
  const res = await send();
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(contentType(res)).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ code: 'validation_failed', message: expect.any(String), errors: expect.any(Array) });
  for (const err of res.body.errors) expect(err).toEqual({ path: expect.any(String), message: expect.any(String) });
  for (const p of paths) expect(pathsOf(res.body), `errors should name ${p}: ${JSON.stringify(res.body.errors)}`).toContain(p);
  expect(await storedState()).toEqual(before);
  return res;
}

/** Every page of a paginated list, following nextCursor. */
async function walk(path: string, limit: number): Promise<{ pages: any[][]; items: any[] }> {
  const pages: any[][] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 1000; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const res: { status: number; body: any } = await e.api('GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['items', 'nextCursor']);
    expect(res.body.items.length).toBeLessThanOrEqual(limit);
    pages.push(res.body.items);
    cursor = res.body.nextCursor;
    if (cursor === null) return { pages, items: pages.flat() };
    expect(typeof cursor).toBe('string');
  }
  throw new Error(`${path} never ended`);
}

describe('submitting a campaign as JSON', () => {
  it('answers 201 with the running campaign, its counts, its options with defaults, and where to find it', async () => {
    const calls = [
      { phone: phone(7), code: '1234', ref: 'booking-1' },
      { phone: `+${phone(7)}`, code: '12345678', ref: 'booking-2' },
      { phone: phone(7), code: '5678' },
    ];
    const res = await e.api('POST', '/api/campaigns', { name: 'spring bookings', calls });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.id).toMatch(UUID);
    expect(res.body).toMatchObject({ id: res.body.id, name: 'spring bookings', status: 'running' });
    expect(res.headers.get('location')).toBe(`/api/campaigns/${res.body.id}`);

    const counts = res.body.counts;
    expect(Object.keys(counts).sort()).toEqual(['total', 'pending', 'inProgress', ...OUTCOME_KEYS].sort());
    expect(counts.total).toBe(3);
    // The dispatcher may already have claimed a call; none can have an outcome yet.
    expect(counts.pending + counts.inProgress).toBe(3);
    for (const k of OUTCOME_KEYS) expect(counts[k]).toBe(0);
    expect(res.body.options).toMatchObject({ maxCodeAttempts: 3, maxDialAttempts: 3, retryDelaySeconds: 300 });

    const again = await e.api('GET', res.headers.get('location')!);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: res.body.id, name: 'spring bookings', options: res.body.options });
    expect(await e.prisma.call.count({ where: { campaignId: res.body.id } })).toBe(3);
  });

  it('keeps the options it was given instead of the defaults', async () => {
    const options = { maxCodeAttempts: 5, maxDialAttempts: 2, retryDelaySeconds: 60, maxConcurrent: 4, callsPerSecond: 2 };
    const res = await e.api('POST', '/api/campaigns', { name: 'custom', calls: [{ phone: phone(7), code: '1234' }], options });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.options).toMatchObject(options);
  });
});

describe('rejecting invalid campaigns', () => {
  it('names every bad row and field by path in one 400 problem, and stores nothing', async () => {
    const res = await expectRejectedWith(
      () =>
        e.api('POST', '/api/campaigns', {
          name: 'bad rows',
          calls: [
            { phone: phone(7), code: '1234', extra: 'x' },
            { phone: '12', code: '1234' },
            { phone: phone(7), code: '1234', ref: 'dup' },
            { phone: phone(7), code: '12a4' },
            { phone: phone(7), code: '1234', ref: 'dup' },
          ],
        }),
      ['calls[1].phone', 'calls[3].code', 'calls[4].ref'],
    );
    const unknown = res.body.errors.find((x: any) => (x.path === 'calls[0].extra' || (x.path === 'calls[0]' && x.message.includes('extra'))) && /unknown/i.test(x.message));
    expect(unknown, JSON.stringify(res.body.errors)).toBeDefined();
    // The good rows are not blamed.
    for (const p of pathsOf(res.body)) expect(p).not.toMatch(/^calls\[2\]/);
  });

  it('refuses a duplicate ref on its own, naming the repeated row', async () => {
    await expectRejectedWith(
      () => e.api('POST', '/api/campaigns', { name: 'dup ref', calls: [{ phone: phone(7), code: '1234', ref: 'a' }, { phone: phone(7), code: '1234', ref: 'a' }] }),
      ['calls[1].ref'],
    );
  });

  it.each([
    ['too short', '12'],
    ['too long', '1'.repeat(21)],
    ['with a dash', '139-0000-0000'],
    ['with letters', '13900abc000'],
    ['a plus in the middle', '139+00000000'],
    ['empty', ''],
  ])('refuses a phone number %s', async (_what, bad) => {
    await expectRejectedWith(() => e.api('POST', '/api/campaigns', { name: 'bad phone', calls: [{ phone: bad, code: '1234' }] }), ['calls[0].phone']);
  });

  it.each([
    ['of three digits', '123'],
    ['of nine digits', '123456789'],
    ['with a letter', '12a4'],
    ['given as a number', 1234],
  ])('refuses a code %s', async (_what, bad) => {
    await expectRejectedWith(() => e.api('POST', '/api/campaigns', { name: 'bad code', calls: [{ phone: phone(7), code: bad }] }), ['calls[0].code']);
  });

  it('accepts the shortest and longest phone numbers and codes allowed', async () => {
    const res = await e.api('POST', '/api/campaigns', {
      name: 'bounds',
      calls: [
        { phone: '+127', code: '1234' },
        { phone: `1${'0'.repeat(18)}7`, code: '12345678' },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.counts.total).toBe(2);
  });

  it('names an unknown top-level field as unknown', async () => {
    const res = await expectRejectedWith(() => e.api('POST', '/api/campaigns', { name: 'extra', calls: [{ phone: phone(7), code: '1234' }], colour: 'red' }), []);
    expect(res.body.errors.some((x: any) => x.message.includes('colour') && /unknown/i.test(x.message)), JSON.stringify(res.body.errors)).toBe(true);
  });

  it('names each bad option: an unknown time zone, an impossible start time, zero concurrency', async () => {
    await expectRejectedWith(
      () =>
        e.api('POST', '/api/campaigns', {
          name: 'bad options',
          calls: [{ phone: phone(7), code: '1234' }],
          options: { window: { start: '25:00', end: '18:00', timezone: 'Mars/Base' }, maxConcurrent: 0 },
        }),
      ['options.window.timezone', 'options.window.start', 'options.maxConcurrent'],
    );
  });

  it('refuses a campaign without calls', async () => {
    await expectRejectedWith(() => e.api('POST', '/api/campaigns', { name: 'empty', calls: [] }), ['calls']);
  });

  it('refuses malformed JSON with a 400 problem', async () => {
    await expectRejectedWith(
      () => raw('POST', '/api/campaigns', { body: '{"name": "broken", "calls": [', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' } }),
      [],
    );
  });

  it('refuses a body that is neither JSON nor CSV with 415', async () => {
    const before = await storedState();
    const res = await raw('POST', '/api/campaigns', { body: 'phone,code\n13800000007,1234\n', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'text/plain' } });
    expect(res.status, res.text).toBe(415);
    expect(contentType(res)).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('unsupported_media_type');
    expect(await storedState()).toEqual(before);
  });
});

describe('submitting a campaign as CSV', () => {
  it('stores the rows in file order with their refs, taking the name and options from the query', async () => {
    const rows = [
      { phone: phone(7), code: '1234', ref: 'csv-a' },
      { phone: phone(7), code: '23456', ref: 'csv-b' },
      { phone: phone(7), code: '345678', ref: 'csv-c' },
      { phone: phone(7), code: '4567', ref: 'csv-d' },
    ];
    const csv = ['phone,code,ref', ...rows.map((r) => `${r.phone},${r.code},${r.ref}`)].join('\n') + '\n';
    const res = await e.api('POST', '/api/campaigns?name=csv%20batch&maxConcurrent=2', csv);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.headers.get('location')).toBe(`/api/campaigns/${res.body.id}`);
    expect(res.body).toMatchObject({ name: 'csv batch', status: 'running', counts: { total: 4 }, options: { maxConcurrent: 2, maxCodeAttempts: 3 } });

    const list = await e.api('GET', `/api/campaigns/${res.body.id}/calls`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: any) => ({ phone: c.phone, ref: c.ref }))).toEqual(rows.map((r) => ({ phone: r.phone, ref: r.ref })));
  });

  it('names the bad row and field of a CSV by its index, and stores nothing', async () => {
    const csv = ['phone,code,ref', `${phone(7)},1234,ok-0`, `not-a-phone,1234,bad-1`, `${phone(7)},12,bad-2`].join('\n') + '\n';
    await expectRejectedWith(() => e.api('POST', '/api/campaigns?name=bad%20csv', csv), ['calls[1].phone', 'calls[2].code']);
  });

  it('refuses a CSV with an unknown column', async () => {
    const csv = ['phone,code,colour', `${phone(7)},1234,red`].join('\n') + '\n';
    const res = await expectRejectedWith(() => e.api('POST', '/api/campaigns?name=colourful', csv), []);
    expect(JSON.stringify(res.body.errors)).toContain('colour');
  });
});

describe('Idempotency-Key', () => {
  const body = () => ({ name: 'idem', calls: [{ phone: '13811111117', code: '1234', ref: 'i-1' }] });

  it('answers a repeated request with the campaign it already created', async () => {
    const key = `idem-${randomUUID()}`;
    const before = await e.prisma.campaign.count();
    const first = await e.api('POST', '/api/campaigns', body(), { 'idempotency-key': key });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const second = await e.api('POST', '/api/campaigns', body(), { 'idempotency-key': key });
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await e.prisma.campaign.count()).toBe(before + 1);
    expect(await e.prisma.call.count({ where: { campaignId: first.body.id } })).toBe(1);
  });

  it('refuses the same key with a different request with 409', async () => {
    const key = `idem-${randomUUID()}`;
    const first = await e.api('POST', '/api/campaigns', body(), { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const before = await storedState();
    const other = await e.api('POST', '/api/campaigns', { ...body(), name: 'another' }, { 'idempotency-key': key });
    expect(other.status, JSON.stringify(other.body)).toBe(409);
    expect(contentType(other)).toMatch(/^application\/problem\+json/);
    expect(other.body.code).toBe('conflict');
    expect(await storedState()).toEqual(before);
  });

  it('creates one campaign when requests with one key arrive at once', async () => {
    const key = `idem-${randomUUID()}`;
    const before = await e.prisma.campaign.count();
    const answers = await Promise.all(Array.from({ length: 4 }, () => e.api('POST', '/api/campaigns', body(), { 'idempotency-key': key })));
    for (const a of answers) expect(a.status, JSON.stringify(a.body)).toBe(201);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(3);
    expect(await e.prisma.campaign.count()).toBe(before + 1);
    expect(await e.prisma.campaign.count({ where: { idempotencyKey: key } })).toBe(1);
  });
});

describe('reading a finished campaign', () => {
  let campaignId: string;
  const refs = ['p-0', 'p-1', 'p-2', 'p-3', 'p-4'];
  const verifiedRefs = ['p-0', 'p-3'];

  beforeAll(async () => {
    // Right code, rejected by the PBX, busy, right code, always wrong.
    const calls = [smsCall(e, phone(0), '4826', { ref: 'p-0' }), { phone: phone(9), code: '1111', ref: 'p-1' }, { phone: phone(6), code: '2222', ref: 'p-2' }, smsCall(e, phone(0), '9157', { ref: 'p-3' }), { phone: phone(4), code: '3333', ref: 'p-4' }];
    const res = await e.api('POST', '/api/campaigns', { name: 'paged', calls, options: fast });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    campaignId = res.body.id;
    await e.waitForCampaign(campaignId);
  });

  it('walks every call exactly once, in batch order, by following nextCursor', async () => {
    const { pages, items } = await walk(`/api/campaigns/${campaignId}/calls`, 2);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(items.map((c) => c.ref)).toEqual(refs);
    expect(new Set(items.map((c) => c.id)).size).toBe(refs.length);
  });

  it('filters calls by outcome', async () => {
    const res = await e.api('GET', `/api/campaigns/${campaignId}/calls?outcome=verified`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((c: any) => c.ref)).toEqual(verifiedRefs);
    for (const c of res.body.items) expect(c.outcome).toBe('verified');
    const paged = await walk(`/api/campaigns/${campaignId}/calls?outcome=verified`, 1);
    expect(paged.items.map((c) => c.ref)).toEqual(verifiedRefs);
  });

  it('refuses an unknown outcome filter with 400 naming outcome', async () => {
    const res = await e.api('GET', `/api/campaigns/${campaignId}/calls?outcome=won`);
    expect(res.status).toBe(400);
    expect(contentType(res)).toMatch(/^application\/problem\+json/);
    expect(pathsOf(res.body)).toContain('outcome');
  });

  it.each([
    ['garbage', 'not-a-cursor!!'],
    ['base64 of the wrong shape', Buffer.from('{"x":1}').toString('base64url')],
    ['not base64 JSON', 'AAAA'],
  ])('refuses a %s cursor on the calls list with 400 naming cursor', async (_what, cursor) => {
    const res = await e.api('GET', `/api/campaigns/${campaignId}/calls?limit=2&cursor=${encodeURIComponent(cursor)}`);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(contentType(res)).toMatch(/^application\/problem\+json/);
    expect(pathsOf(res.body)).toContain('cursor');
  });

  it('shows one call with its dial attempts and its timeline', async () => {
    const list = await e.api('GET', `/api/campaigns/${campaignId}/calls?outcome=verified&limit=1`);
    const summary = list.body.items[0];
    const res = await e.api('GET', `/api/calls/${summary.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: summary.id, campaignId, phone: summary.phone, ref: 'p-0', status: 'done', outcome: 'verified' });
    expect(res.body.attempts).toHaveLength(1);
    expect(res.body.attempts[0]).toMatchObject({ no: 1 });
    expect(Array.isArray(res.body.events)).toBe(true);
    expect(res.body.events.length).toBeGreaterThan(1);
    for (const ev of res.body.events) expect(ev).toMatchObject({ at: expect.any(String), kind: expect.any(String) });
  });

  it('answers 404 problem for a call that does not exist', async () => {
    const res = await e.api('GET', `/api/calls/${randomUUID()}`);
    expect(res.status).toBe(404);
    expect(contentType(res)).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('not_found');
  });

  it('answers 400 naming id for a call id that is not a UUID', async () => {
    const res = await e.api('GET', '/api/calls/not-a-uuid');
    expect(res.status).toBe(400);
    expect(contentType(res)).toMatch(/^application\/problem\+json/);
    expect(pathsOf(res.body)).toContain('id');
  });
});

describe('listing campaigns', () => {
  it('walks every campaign exactly once, newest first, by following nextCursor', async () => {
    for (let i = 0; i < 3; i++) expect((await e.api('POST', '/api/campaigns', { name: `list-${i}`, calls: [{ phone: phone(7), code: '1234' }] })).status).toBe(201);
    const total = await e.prisma.campaign.count();
    expect(total).toBeGreaterThanOrEqual(3);
    const { pages, items } = await walk('/api/campaigns', 2);
    expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(total / 2));
    expect(items).toHaveLength(total);
    expect(new Set(items.map((c) => c.id)).size).toBe(total);
    const times = items.map((c) => Date.parse(c.createdAt));
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeLessThanOrEqual(times[i - 1]!);
  });

  it('refuses a garbage cursor with 400 naming cursor', async () => {
    const res = await e.api('GET', '/api/campaigns?limit=2&cursor=garbage');
    expect(res.status).toBe(400);
    expect(contentType(res)).toMatch(/^application\/problem\+json/);
    expect(pathsOf(res.body)).toContain('cursor');
  });
});

describe('authentication', () => {
  const id = randomUUID();
  const routes: [string, string][] = [
    ['POST', '/api/campaigns'],
    ['GET', '/api/campaigns'],
    ['GET', `/api/campaigns/${id}`],
    ['GET', `/api/campaigns/${id}/calls`],
    ['POST', `/api/campaigns/${id}/pause`],
    ['POST', `/api/campaigns/${id}/resume`],
    ['POST', `/api/campaigns/${id}/cancel`],
    ['GET', `/api/calls/${id}`],
    ['GET', '/api/no-such-route'],
  ];
  const credentials: [string, Record<string, string>][] = [
    ['no Authorization header', {}],
    ['a wrong key', { authorization: 'Bearer wrong-key-0123456789' }],
    ['the right key in another scheme', { authorization: `Basic ${API_KEY}` }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ];

  it.each(credentials)('answers 401 problem on every /api route with %s, and stores nothing', async (_what, headers) => {
    const before = await storedState();
    for (const [method, path] of routes) {
      const body = method === 'POST' ? JSON.stringify({ name: 'sneaky', calls: [{ phone: phone(7), code: '1234' }] }) : undefined;
      const res = await raw(method, path, { body, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) } });
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(401);
      expect(contentType(res), `${method} ${path}`).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('unauthorized');
    }
    expect(await storedState()).toEqual(before);
  });

  it('answers /healthz without a key', async () => {
    const res = await raw('GET', '/healthz');
    expect(res.status).toBe(200);
  });

  it('answers /readyz 200 with the database, Redis and the PBX all ready', async () => {
    const res = await raw('GET', '/readyz');
    expect(res.status, res.text).toBe(200);
    expect(res.body.checks).toEqual({ database: true, redis: true, pbx: true });
  });
});

describe('codes never leak', () => {
  const CODE = '73915';
  /** The code as a value of its own; not a run inside a UUID, a hash or a longer number, which can hold it by chance. */
  const inClear = (text: string) => /(?<![0-9a-fA-F])73915(?![0-9a-fA-F])/.test(text);

  it('keeps the code out of every answer and out of the database in clear', async () => {
    expect(inClear(`"${CODE}"`)).toBe(true); // the check itself finds the code
    const n = phone(0);
    const post = await e.api('POST', '/api/campaigns', { name: 'secret', calls: [smsCall(e, n, CODE, { ref: 'secret-1' })], options: fast });
    expect(post.status, JSON.stringify(post.body)).toBe(201);
    const done = await e.waitForCampaign(post.body.id);
    expect(done.counts.verified).toBe(1); // the callee really keyed the code

    const campaign = await e.api('GET', `/api/campaigns/${post.body.id}`);
    const calls = await e.api('GET', `/api/campaigns/${post.body.id}/calls`);
    const detail = await e.api('GET', `/api/calls/${calls.body.items[0].id}`);
    expect(detail.body.attempts.length).toBeGreaterThan(0);
    expect(detail.body.events.length).toBeGreaterThan(0);
    for (const [what, body] of Object.entries({ post: post.body, campaign: campaign.body, calls: calls.body, detail: detail.body })) {
      expect(inClear(JSON.stringify(body)), `${what}: ${JSON.stringify(body)}`).toBe(false);
    }

    // Let the reports that arrive after completion (hang-up, CDR) be processed too.
    await new Promise((r) => setTimeout(r, 1000));
    for (const table of ['call', 'call_event', 'pbx_report']) {
      const rows = await e.prisma.$queryRawUnsafe<{ t: string }[]>(`SELECT t::text AS t FROM ${table} t`);
      expect(rows.length, table).toBeGreaterThan(0);
      const leaking = rows.map((r) => r.t).filter(inClear);
      expect(leaking, table).toEqual([]);
    }
    const stored = await e.prisma.call.findUniqueOrThrow({ where: { id: calls.body.items[0].id } });
    expect(stored.codeHash).toMatch(/^[0-9a-f]{64}$/);

    // The code did pass through storage (the PBX reported it), and cannot be pieced together
    // again from the single key presses kept for the call either.
    const reports = await e.prisma.pbxReport.findMany({ where: { callId: stored.id }, orderBy: { id: 'asc' } });
    const events = reports.map((r) => r.event as { type: string; key?: string; digits?: string });
    expect(events.filter((ev) => ev.type === 'code')).toHaveLength(1);
    const keyed = events.filter((ev) => ev.type === 'key').map((ev) => ev.key).join('');
    expect(keyed).not.toContain(CODE);
    const timeline = await e.prisma.callEvent.findMany({ where: { callId: stored.id }, orderBy: { id: 'asc' } });
    expect(timeline.map((ev) => (ev.detail as { key?: string } | null)?.key ?? '').join('')).not.toContain(CODE);
  });
});

describe('the PBX report webhook', () => {
  const SECRET = 'dev-report-secret-change-me';
  const post = (secret: string, body: string) => raw('POST', `/pbx/reports/${encodeURIComponent(secret)}`, { body, headers: { 'content-type': 'application/json' } });
  const alert = JSON.stringify({ action: 'ALERT', callid: '1.1', call: [{ outbound: { from: '6500', to: '99999', trunk: 't', outboundid: '1.3' } }], sn: '1' });

  it('refuses a report sent to the wrong secret path with 403, and stores nothing', async () => {
    const before = await e.prisma.pbxReport.count();
    const res = await post('not-the-report-secret', alert);
    expect(res.status).toBe(403);
    expect(await e.prisma.pbxReport.count()).toBe(before);
  });

  it('keeps a report for an unknown call for diagnosis, processed and tied to no call', async () => {
    const res = await post(SECRET, alert);
    expect(res.status, res.text).toBe(200);
    const deadline = Date.now() + 10_000;
    let rows = await e.prisma.pbxReport.findMany({ where: { pbxCallId: '1.1' } });
    while (rows.some((r) => r.processedAt === null) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      rows = await e.prisma.pbxReport.findMany({ where: { pbxCallId: '1.1' } });
    }
    expect(rows).toHaveLength(1);
    expect(rows[0]!.processedAt).not.toBeNull();
    expect(rows[0]!.callId).toBeNull();
  });

  it('stores a resent identical report only once', async () => {
    const res = await post(SECRET, alert);
    expect(res.status, res.text).toBe(200);
    expect(await e.prisma.pbxReport.count({ where: { pbxCallId: '1.1' } })).toBe(1);
  });

  it('refuses a body that is not a report with 400, and stores nothing', async () => {
    const before = await e.prisma.pbxReport.count();
    const res = await post(SECRET, JSON.stringify({ foo: 1 }));
    expect(res.status, res.text).toBe(400);
    expect(await e.prisma.pbxReport.count()).toBe(before);
  });

  it('accepts and keeps a report with an action it does not know', async () => {
    const res = await post(SECRET, JSON.stringify({ action: 'Tranfer', callid: '1.2', sn: '1' }));
    expect(res.status, res.text).toBe(200);
    const rows = await e.prisma.pbxReport.findMany({ where: { pbxCallId: '1.2' } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.action).toContain('Tranfer');
  });
});
