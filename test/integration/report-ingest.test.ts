import { describe, expect, it } from 'vitest';
import { ReportIngest } from '../../src/app/ingest-events.js';
import type { PbxEvent } from '../../src/domain/call-events.js';
import { useEngine } from '../support/engine-harness.js';

const e = useEngine();

const ringing = (i: number): PbxEvent => ({ type: 'ringing', pbxCallId: `1800000000.${i}`, legId: `1800000000.${i}9`, phone: '13800000000', dedupKey: `ALERT:1800000000.${i}:`, receivedAt: new Date() });

describe('reports arriving together', () => {
  it('are each stored before their caller hears back, resent copies among them dropped, in few statements', async () => {
    const enqueued: bigint[][] = [];
    const ingest = new ReportIngest({ prisma: e.prisma, codeSecret: 'code-secret-0123456789', enqueueReports: async (ids) => void enqueued.push(ids) });
    const keys = Array.from({ length: 300 }, (_, i) => i % 250); // 50 resent copies
    const stored = await Promise.all(
      keys.map(async (i) => {
        await ingest.ingest([ringing(i)]);
        const rows = await e.prisma.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM pbx_report WHERE dedup_key = $1`, ringing(i).dedupKey);
        return rows[0]!.n;
      }),
    );
    expect(stored.every((n) => n === 1)).toBe(true);
    const rows = await e.prisma.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM pbx_report WHERE pbx_call_id LIKE '1800000000.%'`);
    expect(rows[0]!.n).toBe(250);
    // One insert is under way while the others gather: far fewer statements than reports.
    expect(enqueued.length).toBeLessThan(50);
    expect(enqueued.flat()).toHaveLength(250);
  });
});
