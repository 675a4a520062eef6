import type { Logger } from '../logger.js';
import type { StoredReport } from './ingest-events.js';

export interface HandoffDeps {
  process: (reportId: bigint) => Promise<void>;
  enqueue: (reportIds: bigint[]) => Promise<void>;
  /** Reports processed at once by this process; the rest wait in the report queue. 0: all queued. */
  maxInline: number;
  log: Logger;
}

/**
 * Hands stored reports to processing. A caller waits on the line for the decision on the
 * code they keyed, so the process that received a report works it itself, at once, up to
 * `maxInline` at a time; past that, reports go to the report queue for the workers. One
 * report per PBX call is enough: processing a report takes every pending report of its call,
 * in order. A report lost on either path (a crash, Redis down) stays unprocessed in
 * PostgreSQL and the sweeper hands it out again.
 */
export class ReportHandoff {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly deps: HandoffDeps) {}

  handOut(reports: StoredReport[]): void {
    const firstOfCall = new Map<string, bigint>();
    for (const r of reports) if (!firstOfCall.has(r.pbxCallId)) firstOfCall.set(r.pbxCallId, r.id);
    const queued: bigint[] = [];
    for (const id of firstOfCall.values()) {
      if (this.running.size >= this.deps.maxInline) {
        queued.push(id);
        continue;
      }
      const run: Promise<void> = this.deps
        .process(id)
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
