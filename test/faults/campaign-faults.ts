import { expect } from 'vitest';
import { createDb } from '../../src/db/prisma.js';
import { invariantBreaches } from '../support/invariants.js';
import type { Cluster } from '../support/process-harness.js';

/** Outcome each persona (by the number's last digit) reaches when nothing goes wrong. */
export const EXPECTED_OUTCOME: Record<string, string> = {
  '0': 'verified',
  '1': 'verified',
  '2': 'verified',
  '3': 'verified',
  '4': 'code_failed',
  '5': 'no_answer',
  '6': 'busy',
  '7': 'declined',
  '8': 'abandoned',
  '9': 'failed',
};

export const OPTIONS = { maxConcurrent: 12, callsPerSecond: 12, maxDialAttempts: 2, maxCodeAttempts: 3, retryDelaySeconds: 1 };

let block = 0;

/** A batch of `n` calls across every persona, each callee given its SMS code by the simulator. */
export function batch(c: Cluster, n: number): { phone: string; code: string; ref: string }[] {
  const prefix = `135${String(process.pid % 1000).padStart(3, '0')}${String(block++ % 100).padStart(2, '0')}`;
  return Array.from({ length: n }, (_, i) => {
    const phone = `${prefix}${String(i).padStart(5, '0')}`.slice(0, 16);
    const code = String(100_000 + ((i * 7919) % 900_000));
    c.sim.deliverSms(phone, code);
    return { phone, code, ref: `r${i}` };
  });
}

export async function submit(c: Cluster, calls: object[], options: object = OPTIONS): Promise<string> {
  const res = await c.api('POST', '/api/campaigns', { name: 'faults', calls, options });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

interface Progress {
  status: string;
  done: number;
  total: number;
  counts: Record<string, number>;
}

export async function progress(c: Cluster, id: string): Promise<Progress> {
  const { status, body } = await c.api('GET', `/api/campaigns/${id}`);
  if (status !== 200) throw new Error(`GET /api/campaigns/${id} answered ${status}: ${JSON.stringify(body)}`);
  return { status: body.status, done: body.counts.total - body.counts.pending - body.counts.inProgress, total: body.counts.total, counts: body.counts };
}

/**
 * Waits until the campaign's progress satisfies `enough`, failing only when no call settles
 * for `stallMs`: a slow machine is not a stall, and a stall is reported with what is stuck.
 */
export async function untilProgress(c: Cluster, id: string, what: string, enough: (p: Progress) => boolean, stallMs = 90_000): Promise<Progress> {
  let done = -1;
  let movedAt = Date.now();
  let failure = '';
  for (;;) {
    const p = await progress(c, id).catch((e: Error) => void (failure = `${e.message} ${(e.cause as Error | undefined)?.message ?? ''}`));
    if (p && enough(p)) return p;
    if (p && p.done !== done) [done, movedAt] = [p.done, Date.now()];
    if (Date.now() - movedAt > stallMs) throw new Error(`no call settled for ${stallMs} ms while waiting for ${what} (${done} settled${failure ? `; last progress read failed: ${failure}` : ''})\n${await unsettled(c, id)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function untilDone(c: Cluster, id: string, stallMs?: number): Promise<Record<string, number>> {
  return (await untilProgress(c, id, `campaign ${id} to complete`, (p) => p.status === 'completed', stallMs)).counts;
}

/** What the calls still open are doing, so that a timeout says whether they stalled or were slow. */
async function unsettled(c: Cluster, id: string): Promise<string> {
  const db = createDb(c.databaseUrl, 1);
  try {
    const groups = await db.query<{ status: string; wait: string | null; n: number; due: string | null }>(
      `SELECT status::text, wait_reason AS wait, count(*)::int AS n, min(next_dial_at)::text AS due
       FROM call WHERE campaign_id = $1::uuid AND status <> 'done' GROUP BY 1, 2 ORDER BY 3 DESC`,
      id,
    );
    const sample = await db.query<{ phone: string; status: string; attempts: number; events: string }>(
      `SELECT c.phone, c.status::text, c.dial_attempts AS attempts,
              (SELECT string_agg(e.kind || '@' || to_char(e.at, 'HH24:MI:SS.MS'), ' ' ORDER BY e.id)
               FROM call_event e WHERE e.call_id = c.id) AS events
       FROM call c WHERE c.campaign_id = $1::uuid AND c.status <> 'done' LIMIT 5`,
      id,
    );
    const reports = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pbx_report WHERE processed_at IS NULL`);
    return [
      `now ${new Date().toISOString()}; unprocessed reports ${reports[0]!.n}`,
      ...c.processes.map((p) => `${p.role}:${p.port} ${p.child.exitCode === null ? 'running' : `exited ${p.child.exitCode}: ${p.output().slice(-2000)}`}`),
      ...groups.map((g) => `${g.n} ${g.status}${g.wait ? ` (${g.wait})` : ''}${g.due ? `, next dial ${g.due}` : ''}`),
      ...sample.map((s) => `${s.phone} ${s.status} after ${s.attempts} dials: ${s.events}`),
    ].join('\n');
  } finally {
    await db.$disconnect();
  }
}

/** Asserts the invariants of docs/RELIABILITY.md over the campaign. */
export async function expectInvariants(c: Cluster, id: string, maxDialAttempts = OPTIONS.maxDialAttempts): Promise<void> {
  const prisma = createDb(c.databaseUrl, 2);
  try {
    expect(await invariantBreaches(prisma, c.sim, id, maxDialAttempts)).toEqual([]);
  } finally {
    await prisma.$disconnect();
  }
}

/** Outcomes by the persona each number was given, for comparing runs. */
export async function outcomesByPersona(c: Cluster, id: string): Promise<Record<string, string[]>> {
  const { body } = await c.api('GET', `/api/campaigns/${id}/calls?limit=1000`);
  const out: Record<string, string[]> = {};
  for (const call of body.items as { phone: string; outcome: string }[]) (out[call.phone.slice(-1)] ??= []).push(call.outcome);
  return out;
}
