import pg from 'pg';

export interface AdvisoryLockOptions {
  /** Called once if another session holds the lock, before waiting for it. */
  onWait?: () => void;
}

/**
 * Runs `fn` while holding a session-level advisory lock on a connection of its own, so the
 * lock lives exactly as long as `fn` whatever pools `fn` uses. Closing the connection
 * releases the lock even when the unlock itself fails.
 */
export async function withAdvisoryLock<T>(databaseUrl: string, key: bigint, fn: () => Promise<T>, opts: AdvisoryLockOptions = {}): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  // A dropped idle connection emits 'error'; the next query reports it, so do not crash here.
  client.on('error', () => {});
  await client.connect();
  try {
    const lockKey = key.toString();
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [lockKey]);
    if (!rows[0]?.locked) {
      opts.onWait?.();
      await client.query('SELECT pg_advisory_lock($1)', [lockKey]);
    }
    try {
      return await fn();
    } finally {
      // Best effort: ending the session below releases the lock anyway, and an unlock error
      // must not hide what fn threw.
      await client.query('SELECT pg_advisory_unlock($1)', [lockKey]).catch(() => {});
    }
  } finally {
    await client.end().catch(() => {});
  }
}
