import type { Db } from '../db/prisma.js';
import { ACTIVE_STATUS_SQL } from '../db/sql.js';
import type { Logger } from '../logger.js';
import type { PromptStore } from '../tts/prompt-store.js';
import type { VoiceName } from '../tts/voices.js';
import { transitionCall, type TransitionDeps } from './call-transitions.js';

export interface PromptDeps extends TransitionDeps {
  prisma: Db;
  store: PromptStore;
  log: Logger;
}

/**
 * Asks for the prompts of the calls a running campaign will dial next, a bounded number
 * ahead (so a 100,000-call batch does not fill the share at once). Rendering runs in its own
 * queue, so a slow engine never stalls the dialler; a rendering lost with its queue message
 * is asked for again after `graceMs`.
 */
export async function requestPrompts(deps: { prisma: Db; enqueueRenders: (ids: string[]) => Promise<void>; lookahead: number; graceMs: number }): Promise<number> {
  const rows = await deps.prisma.query<{ id: string }>(
    `WITH k AS (
       SELECT k.id, greatest(0, $1 - (SELECT count(*) FROM call c WHERE c.campaign_id = k.id AND c.status = 'pending' AND c.prompt_status IN ('rendering', 'ready')))::int AS room
       FROM campaign k WHERE k.status = 'running'),
     due AS (
       SELECT c.id FROM k CROSS JOIN LATERAL (
         SELECT c.id FROM call c WHERE c.campaign_id = k.id AND c.status = 'pending' AND c.prompt_status = 'pending' ORDER BY c.seq LIMIT k.room) c
       UNION ALL
       SELECT c.id FROM call c WHERE c.prompt_status = 'rendering' AND c.prompt_at < $2)
     UPDATE call SET prompt_status = 'rendering', prompt_at = now() WHERE id IN (SELECT id FROM due) RETURNING id`,
    deps.lookahead,
    new Date(Date.now() - deps.graceMs),
  );
  if (rows.length) await deps.enqueueRenders(rows.map((r) => r.id));
  return rows.length;
}

/** Renders one call's prompt into the cache; a failure ends the call as failed, with the reason. */
export async function renderPrompt(deps: PromptDeps, callId: string): Promise<void> {
  const rows = await deps.prisma.query<{ prompt: string; voice: VoiceName }>(
    `SELECT c.prompt, k.voice FROM call c JOIN campaign k ON k.id = c.campaign_id WHERE c.id = $1::uuid AND c.prompt_status = 'rendering'`,
    callId,
  );
  const call = rows[0];
  if (!call) return;
  try {
    await deps.store.ensureRendered(call.prompt, call.voice);
    await deps.prisma.execute(`UPDATE call SET prompt_status = 'ready', prompt_at = now() WHERE id = $1::uuid AND prompt_status = 'rendering'`, callId);
  } catch (err) {
    await failPreparation(deps, callId, (err as Error).message);
  }
}

export async function failPreparation(deps: TransitionDeps & { prisma: Db; log: Logger }, callId: string, reason: string): Promise<void> {
  deps.log.warn({ event: 'prompt.failed', callId, err: reason }, 'prompt could not be prepared');
  await deps.prisma.execute(`UPDATE call SET prompt_status = 'failed', prompt_at = now() WHERE id = $1::uuid`, callId);
  await transitionCall(deps, callId, { type: 'prepare-failed', reason }, { kind: 'prompt.failed', detail: { reason } });
}

/**
 * Removes the prompt files of finished calls (unless they are kept), but never one whose
 * number is in a live call again: the file is named after the number, not the call.
 */
export async function removeFinishedPrompts(deps: { prisma: Db; store: PromptStore; keep: boolean }): Promise<number> {
  const rows = await deps.prisma.query<{ id: string; phone: string }>(
    `SELECT c.id, c.phone FROM call c WHERE c.prompt_placed AND c.status = 'done'
       AND NOT EXISTS (SELECT 1 FROM call x WHERE x.phone = c.phone AND x.status IN (${ACTIVE_STATUS_SQL}))
     LIMIT 500`,
  );
  for (const r of rows) {
    if (!deps.keep) await deps.store.remove(r.phone);
    await deps.prisma.execute(`UPDATE call SET prompt_placed = false WHERE id = $1::uuid`, r.id);
  }
  return rows.length;
}
