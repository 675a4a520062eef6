import { expect } from 'vitest';
import { createDb } from '../../src/db/prisma.js';
import { invariantBreaches } from '../support/invariants.js';
import { until, type Cluster } from '../support/process-harness.js';

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

export async function progress(c: Cluster, id: string): Promise<{ status: string; done: number; total: number; counts: Record<string, number> }> {
  const { body } = await c.api('GET', `/api/campaigns/${id}`);
  return { status: body.status, done: body.counts.total - body.counts.pending - body.counts.inProgress, total: body.counts.total, counts: body.counts };
}

export async function untilDone(c: Cluster, id: string, ms = 90_000): Promise<Record<string, number>> {
  const p = await until(`campaign ${id} to complete`, async () => {
    const v = await progress(c, id);
    return v.status === 'completed' ? v : null;
  }, ms, 250);
  return p.counts;
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
