import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { applyRetention } from '../../src/app/retention.js';
import { createLogger } from '../../src/logger.js';
import { EspeakEngine } from '../../src/tts/espeak-engine.js';
import { PromptStore } from '../../src/tts/prompt-store.js';
import { phoneNumbers, smsCall, useEngine } from '../support/engine-harness.js';

/** Every line the service logs, parsed, as an operator's log shipper would get them. */
const lines: Record<string, any>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    done();
  },
});

const METRICS_TOKEN = 'metrics-token-0123456789';
const e = useEngine({ log: createLogger({ level: 'debug', destination: sink }), env: { METRICS_TOKEN } });
const phone = phoneNumbers('1371');
const fast = { retryDelaySeconds: 0, maxConcurrent: 20, callsPerSecond: 50 };

async function scrape(): Promise<string> {
  const res = await fetch(`${e.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one series in the Prometheus text format, 0 when it is absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

async function runCampaign(calls: object[]) {
  const res = await e.api('POST', '/api/campaigns', { name: 'ops', calls, options: fast }, { 'x-request-id': 'req-ops-submit' });
  expect(res.status).toBe(201);
  await e.waitForCampaign(res.body.id);
  return res.body.id as string;
}

describe('a whole campaign seen through the logs', () => {
  it('has a request id on every request line, a call id on every call line, numbers masked and no code anywhere', async () => {
    const codes = ['73159264', '58204617', '69381725', '40718293'];
    const numbers = [phone(0), phone(3), phone(4), phone(7)];
    await runCampaign(numbers.map((n, i) => smsCall(e, n, codes[i]!)));
    await e.api('GET', '/api/campaigns?limit=5', undefined, { 'x-request-id': 'req-ops-list' });

    const text = lines.map((l) => JSON.stringify(l)).join('\n');
    for (const n of numbers) expect(text).not.toContain(n.slice(-8));
    for (const c of codes) expect(text).not.toContain(c);

    const finished = lines.filter((l) => l.event === 'call.finished');
    expect(finished).toHaveLength(numbers.length);
    for (const l of finished) {
      expect(l.callId).toMatch(/^[0-9a-f-]{36}$/);
      expect(l.phone).toMatch(/^137\*+\d{4}$/);
    }
    for (const event of ['dial.placed', 'route.sent', 'call.finished']) {
      const of = lines.filter((l) => l.event === event);
      expect(of.length, event).toBeGreaterThan(0);
      for (const l of of) expect(l.callId, event).toBeTruthy();
    }
    const requests = lines.filter((l) => l.event === 'http.request');
    for (const l of requests) expect(l.reqId).toBeTruthy();
    expect(requests.find((l) => l.reqId === 'req-ops-submit')).toMatchObject({ method: 'POST', route: '/api/campaigns', status: 201 });
    expect(requests.find((l) => l.reqId === 'req-ops-list')).toMatchObject({ method: 'GET', status: 200 });
    // The PBX's reports are logged per request too, without the secret path segment.
    const report = requests.find((l) => String(l.route).startsWith('/pbx/'));
    expect(report).toBeDefined();
    expect(JSON.stringify(report)).not.toContain('dev-report-secret');
  });
});

describe('Prometheus metrics', () => {
  it('are served only with the metrics token', async () => {
    expect((await fetch(`${e.baseUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${e.baseUrl}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
  });

  it('count dials, answers, codes, reports, PBX requests and outcomes as a campaign runs', async () => {
    const before = await scrape();
    await runCampaign([smsCall(e, phone(0), '2468'), smsCall(e, phone(0), '1357'), smsCall(e, phone(3), '9753'), { phone: phone(5), code: '1111' }, { phone: phone(6), code: '2222' }]);
    const after = await scrape();
    const delta = (series: string) => sample(after, series) - sample(before, series);

    expect(delta('codecall_dials_total{result="accepted"}')).toBeGreaterThanOrEqual(5);
    expect(delta('codecall_calls_answered_total')).toBe(3);
    expect(delta('codecall_code_entries_total{result="right"}')).toBe(3);
    expect(delta('codecall_code_entries_total{result="wrong"}')).toBe(1);
    expect(delta('codecall_calls_by_outcome{outcome="verified"}')).toBe(3);
    expect(delta('codecall_calls_by_outcome{outcome="busy"}')).toBe(1);
    expect(delta('codecall_calls_by_outcome{outcome="no_answer"}')).toBe(1);
    expect(delta('codecall_pbx_reports_total{type="code",result="new"}')).toBe(4);
    expect(delta('codecall_pbx_report_ingest_seconds_count')).toBeGreaterThan(20);
    expect(delta('codecall_pbx_request_seconds_count{endpoint="outbound/transfer_number",result="ok"}')).toBe(4);
    expect(after).toMatch(/^codecall_queue_jobs\{queue="dial",state="waiting"\} 0$/m);
    expect(after).toMatch(/^codecall_queue_oldest_waiting_seconds\{queue="report"\} \d/m);
    expect(after).toMatch(/^codecall_live_calls 0$/m);
    expect(after).toMatch(/^codecall_pbx_reports_unprocessed 0$/m);
    expect(after).toMatch(/^codecall_http_request_seconds_count\{method="POST",route="\/api\/campaigns",status="201"\} \d+$/m);
    expect(after).toMatch(/^codecall_process_resident_memory_bytes \d/m);
  });

  it('count reports sent to a wrong path, and PBX refusals by errno', async () => {
    const before = await scrape();
    const res = await fetch(`${e.baseUrl}/pbx/reports/not-the-secret-path`, { method: 'POST', body: '{"action":"ALERT"}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(403);
    e.sim.faults = { ...e.sim.faults, failAnswers: 1, failErrno: '10031' };
    try {
      await runCampaign([{ phone: phone(0), code: '1234' }]);
    } finally {
      e.sim.faults = { ...e.sim.faults, failAnswers: 0 };
    }
    const after = await scrape();
    expect(sample(after, 'codecall_pbx_reports_rejected_total{reason="bad_path"}') - sample(before, 'codecall_pbx_reports_rejected_total{reason="bad_path"}')).toBe(1);
    expect(sample(after, 'codecall_pbx_request_errors_total{endpoint="ivr/dial_outbound",errno="10031"}')).toBeGreaterThan(0);
    expect(sample(after, 'codecall_dials_total{result="refused"}')).toBeGreaterThan(sample(before, 'codecall_dials_total{result="refused"}'));
  });
});

describe('data retention', () => {
  it('anonymizes numbers and removes prompt files and reports of calls finished longer ago than RETENTION_DAYS, and nothing newer', async () => {
    const oldNumber = phone(0);
    const newNumber = phone(0);
    const id = await runCampaign([smsCall(e, oldNumber, '8642', { ref: 'old' }), smsCall(e, newNumber, '9753', { ref: 'new' })]);
    const [oldCall] = await e.prisma.$queryRawUnsafe<{ id: string }[]>(`SELECT id FROM call WHERE campaign_id = $1::uuid AND ref = 'old'`, id);
    await e.prisma.$executeRawUnsafe(`UPDATE call SET finished_at = now() - interval '31 days' WHERE id = $1::uuid`, oldCall!.id);
    // Files an operator kept (KEEP_PROMPTS) for both numbers.
    for (const n of [oldNumber, newNumber]) writeFileSync(join(e.mediaDir, `${n}.wav`), 'RIFF');
    await e.prisma.$executeRawUnsafe(`INSERT INTO suppression (phone, reason, source) VALUES ($1, 'asked', 'api') ON CONFLICT DO NOTHING`, oldNumber);

    const store = new PromptStore(new EspeakEngine(), e.mediaDir);
    const result = await applyRetention({ prisma: e.prisma, store, log: createLogger({ level: 'silent' }), days: 30 });
    expect(result.calls).toBe(1);

    const calls = await e.prisma.$queryRawUnsafe<{ ref: string; phone: string; anonymized: boolean; outcome: string }[]>(
      `SELECT ref, phone, anonymized_at IS NOT NULL AS anonymized, outcome::text FROM call WHERE campaign_id = $1::uuid ORDER BY ref`,
      id,
    );
    expect(calls).toEqual([
      { ref: 'new', phone: newNumber, anonymized: false, outcome: 'verified' },
      { ref: 'old', phone: `********${oldNumber.slice(-4)}`, anonymized: true, outcome: 'verified' },
    ]);
    const leftovers = await e.prisma.$queryRawUnsafe<{ n: number }[]>(
      `SELECT ((SELECT count(*) FROM dial_attempt WHERE phone = $1) + (SELECT count(*) FROM pbx_report WHERE phone = $1 OR call_id = $2::uuid))::int AS n`,
      oldNumber,
      oldCall!.id,
    );
    expect(leftovers[0]!.n).toBe(0);
    expect(existsSync(join(e.mediaDir, `${oldNumber}.wav`))).toBe(false);
    expect(existsSync(join(e.mediaDir, `${newNumber}.wav`))).toBe(true);
    // The timeline and outcome stay for the reports, and a number that may not be called stays blocked.
    const timeline = await e.api('GET', `/api/calls/${oldCall!.id}`);
    expect(timeline.status).toBe(200);
    expect((await e.api('GET', '/api/suppressions')).body.items.map((s: { phone: string }) => s.phone)).toContain(oldNumber);
    // A second run finds nothing left to do.
    expect((await applyRetention({ prisma: e.prisma, store, log: createLogger({ level: 'silent' }), days: 30 })).calls).toBe(0);
  });
});
