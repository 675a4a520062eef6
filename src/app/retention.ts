import type { Db } from '../db/prisma.js';
import type { Logger } from '../logger.js';
import type { PromptStore } from '../tts/prompt-store.js';

export interface RetentionDeps {
  prisma: Db;
  store: PromptStore;
  log: Logger;
  days: number;
  /** Calls handled per transaction, so a first run over years of calls never holds long locks. */
  batch?: number;
  now?: Date;
}

/** Keeps the last four digits, so staff can still tell an old call apart in a report. */
const anonymized = (column: string) => `regexp_replace(${column}, '^.*(.{4})$', '********\\1')`;

/**
 * Data retention: calls finished more than `days` ago lose their number (everywhere it was
 * copied: attempts, callback payloads) and their personal prompt text; their raw PBX reports
 * and prompt files are deleted, as are renderings unused for as long. Outcomes, attempts and
 * timelines stay for the reports. The suppression list is not touched: a number that opted
 * out must stay blocked.
 */
export async function applyRetention(deps: RetentionDeps): Promise<{ calls: number; files: number }> {
  const cutoff = new Date((deps.now ?? new Date()).getTime() - deps.days * 86_400_000);
  let calls = 0;
  let files = 0;
  for (;;) {
    const done = await deps.prisma.transaction(async (tx) => {
      const due = await tx.query<{ id: string; phone: string; file_free: boolean }>(
        `SELECT c.id, c.phone,
                NOT EXISTS (SELECT 1 FROM call x WHERE x.phone = c.phone AND x.id <> c.id AND (x.finished_at IS NULL OR x.finished_at >= $1)) AS file_free
         FROM call c WHERE c.finished_at < $1 AND c.anonymized_at IS NULL
         ORDER BY c.finished_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        cutoff,
        deps.batch ?? 500,
      );
      if (due.length === 0) return due;
      const ids = due.map((d) => d.id);
      await tx.execute(`DELETE FROM pbx_report WHERE call_id = ANY($1::uuid[])`, ids);
      await tx.execute(`UPDATE dial_attempt SET phone = ${anonymized('phone')} WHERE call_id = ANY($1::uuid[])`, ids);
      await tx.execute(
        `UPDATE callback_delivery d SET payload = jsonb_set(d.payload, '{phone}', to_jsonb(${anonymized('c.phone')})) FROM call c
         WHERE d.call_id = c.id AND c.id = ANY($1::uuid[]) AND d.payload ? 'phone'`,
        ids,
      );
      await tx.execute(`UPDATE call SET phone = ${anonymized('phone')}, prompt = NULL, prompt_placed = false, anonymized_at = now() WHERE id = ANY($1::uuid[])`, ids);
      return due;
    });
    if (done.length === 0) break;
    calls += done.length;
    // After the commit: a file named after a number someone is still being called on stays.
    for (const d of done.filter((x) => x.file_free)) if (await deps.store.remove(d.phone).catch(() => false)) files += 1;
  }
  // Reports no call claimed keep numbers too.
  await deps.prisma.execute(`DELETE FROM pbx_report WHERE call_id IS NULL AND received_at < $1`, cutoff);
  files += await deps.store.pruneCache(cutoff);
  if (calls || files) deps.log.info({ event: 'retention.applied', calls, files, cutoff }, `retention: ${calls} calls anonymized, ${files} files removed`);
  return { calls, files };
}
