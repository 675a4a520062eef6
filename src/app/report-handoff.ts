import type { Logger } from '../logger.js';
import type { StoredReport } from './ingest-events.js';

export interface HandoffDeps {
  /** Processes a stored report whose call is known. */
  process: (reportId: bigint, callId: string) => Promise<void>;
  enqueue: (reportIds: bigint[]) => Promise<void>;
  /** Reports processed at once by this process, code entries first; the rest wait in the report queue. 0: all queued. */
  maxInline: number;
  log: Logger;
}

/**
 * Hands stored reports to processing. The process that received a report works it itself,
 * at once, up to `maxInline` at a time: through the queue a report costs a Redis round trip
 * to queue it, two more to take and finish the job, and a database look-up to find its call
 * again, which measured more CPU than the processing itself (docs/BENCHMARKS.md). A caller
 * who keyed a code waits on hold for the decision, so other reports leave half the places
 * to code entries. Past that, reports go to the report queue, for the workers. One report
 * per PBX call is enough, since processing a report takes every pending report of its call,
 * in order. A report lost on either path (a crash, Redis down) stays unprocessed in
 * PostgreSQL and the sweeper hands it out again.
 */
export class ReportHandoff {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly deps: HandoffDeps) {}

  handOut(reports: StoredReport[]): void {
    const byCall = new Map<string, { id: bigint; callId: string; awaited: boolean }>();
    for (const r of reports) {
      const seen = byCall.get(r.pbxCallId);
      byCall.set(r.pbxCallId, { id: seen?.id ?? r.id, callId: seen?.callId ?? r.callId, awaited: (seen?.awaited ?? false) || r.awaited });
    }
    const queued: bigint[] = [];
    for (const { id, callId, awaited } of byCall.values()) {
      if (this.running.size >= (awaited ? this.deps.maxInline : Math.floor(this.deps.maxInline / 2))) {
        queued.push(id);
        continue;
      }
      const run: Promise<void> = this.deps
        .process(id, callId)
        .catch((err: Error) => {
          this.deps.log.warn({ event: 'report.inline_failed', reportId: id.toString(), err: err.message }, 'report processing failed; queued');
          return this.deps.enqueue([id]);
        })
        .catch(() => undefined)
        .finally(() => this.running.delete(run));
      this.running.add(run);
    }
    if (queued.length) void this.deps.enqueue(queued).catch(() => undefined);
  }

  /** Waits for the reports being processed here (at shutdown). */
  async drain(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }
}
