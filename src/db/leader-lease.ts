import pg from 'pg';

const CONFIRM_EVERY_MS = 1000;

/**
 * Leadership for work that one process must do at a time (dispatching, the watchdog): a
 * session-level advisory lock on a connection of its own. If the leader dies its session
 * ends, the lock is released, and another process takes over on its next try.
 */
export class LeaderLease {
  private client: pg.Client | null = null;
  private held = false;
  private confirmedAt = 0;

  constructor(
    private readonly databaseUrl: string,
    private readonly key: bigint,
  ) {}

  get isLeader(): boolean {
    return this.held;
  }

  private pending: Promise<boolean> | null = null;

  /** Tries to become (or stay) leader; never waits for another process. */
  tryAcquire(): Promise<boolean> {
    this.pending ??= this.acquire().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async acquire(): Promise<boolean> {
    try {
      if (!this.client) {
        const client = new pg.Client({ connectionString: this.databaseUrl });
        client.on('error', () => this.reset());
        await client.connect();
        this.client = client;
      }
      if (this.held) {
        // The leader's loops ask many times a second; a lost session shows at once as a
        // connection error (reset below), so asking PostgreSQL once a second is enough.
        if (Date.now() - this.confirmedAt < CONFIRM_EVERY_MS) return true;
        await this.client.query('SELECT 1');
        this.confirmedAt = Date.now();
        return true;
      }
      const { rows } = await this.client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [this.key.toString()]);
      this.held = rows[0]?.locked === true;
      this.confirmedAt = Date.now();
    } catch {
      this.reset();
    }
    return this.held;
  }

  async release(): Promise<void> {
    const client = this.client;
    this.reset();
    await client?.end().catch(() => undefined);
  }

  private reset(): void {
    this.held = false;
    const client = this.client;
    this.client = null;
    client?.end().catch(() => undefined);
  }
}
