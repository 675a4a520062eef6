import { runTogether, statement, type Sql, type Statement } from '../db/prisma.js';

/** One entry of a call's timeline: a report, a routing or operator action, an outcome, a callback. */
export function timelineEntry(callId: string, attemptNo: number | null, at: Date, kind: string, detail: Record<string, unknown> | null): Statement {
  return statement(`INSERT INTO call_event (call_id, attempt_no, at, kind, detail) VALUES ($1::uuid, $2, $3, $4, $5::jsonb)`, callId, attemptNo, at, kind, detail ? JSON.stringify(detail) : null);
}

export async function addTimeline(tx: Sql, ...entry: Parameters<typeof timelineEntry>): Promise<void> {
  await runTogether(tx, [timelineEntry(...entry)]);
}
