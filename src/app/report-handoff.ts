import type { Logger } from '../logger.js';
import type { StoredReport } from './ingest-events.js';

export interface HandoffDeps {
  process: (reportId: bigint) => Promise<void>;
  enqueue: (reportIds: bigint[]) => Promise<void>;
  /** Code entries processed at once by this process; the rest wait in the report queue. 0: all queued. */
  maxInline: number;
  log: Logger;
}

/**
 * Hands stored reports to processing. A caller who keyed a code waits on hold for the
 * decision, so the process that received a code entry works it itself, at once, up to
 * `maxInline` at a time, instead of queueing it behind other calls' reports. Everything else
 * goes to the report queue: the workers carry the bulk, on other cores. One report per PBX
 * call is enough, since processing a report takes every pending report of its call, in
 * order. A report lost on either path (a crash, Redis down) stays unprocessed in PostgreSQL
 * and the sweeper hands it out again.
 */
export class ReportHandoff {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly deps: HandoffDeps) {}

  handOut(reports: StoredReport[]): void {
    const byCall = new Map<string, { id: bigint; awaited: boolean }>();
    for (const r of reports) {
      const seen = byCall.get(r.pbxCallId);
      byCall.set(r.pbxCallId, { id: seen?.id ?? r.id, awaited: (seen?.awaited ?? false) || r.awaited });
    }
    const queued: bigint[] = [];
    for (const { id, awaited } of byCall.values()) {
      if (!awaited || this.running.size >= this.deps.maxInline) {
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
