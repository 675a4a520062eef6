import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { ensureDatabase } from './ensure-database.js';
import { migrationAdapterFactory } from './migration-adapter-factory.js';
import { readMigrationList } from './read-migration-list.js';
import { NO_FILTERS, withSchemaEngine } from './schema-engine.js';
import { withAdvisoryLock } from './with-advisory-lock.js';

/**
 * "codecall" in ASCII. It must differ from the engine's own key (72707369), which the engine
 * takes on its own connection inside our lock: waiting for that key here would deadlock.
 */
export const MIGRATE_LOCK_KEY = 0x636f646563616c6cn;

export type MigrateLog = (event: string, fields?: Record<string, unknown>) => void;

export interface ApplyMigrationsOptions {
  databaseUrl: string;
  /** The folder holding `<timestamp>_<name>/migration.sql` and `migration_lock.toml`. */
  migrationsDir: string;
  schemaPath: string;
  log?: MigrateLog;
}

export interface ApplyMigrationsResult {
  /** True when this call created the database. */
  databaseCreated: boolean;
  /** Names of the migrations this call applied, in order; empty when already up to date. */
  applied: string[];
}

/**
 * `prisma migrate deploy` without the native engine: creates the database if needed, then
 * applies pending migrations and records them in `_prisma_migrations`. Safe when several
 * processes start at once: one applies, the others wait and find nothing left to do.
 */
export async function applyMigrations(opts: ApplyMigrationsOptions): Promise<ApplyMigrationsResult> {
  const log = opts.log ?? (() => {});
  const databaseCreated = await ensureDatabase(opts.databaseUrl);
  if (databaseCreated) log('db.created');
  const applied = await withAdvisoryLock(opts.databaseUrl, MIGRATE_LOCK_KEY, () => applyPending(opts, log), {
    onWait: () => log('migrate.lock_wait'),
  });
  log(applied.length > 0 ? 'migrate.applied' : 'migrate.up_to_date', { applied });
  return { databaseCreated, applied };
}

async function applyPending(opts: ApplyMigrationsOptions, log: MigrateLog): Promise<string[]> {
  const [migrationsList, schema] = await Promise.all([readMigrationList(opts.migrationsDir), readFile(opts.schemaPath, 'utf8')]);
  // One connection: the engine takes its advisory lock with a single query and never releases
  // it, so its lock and its work must share a session, and ending the pool releases the lock.
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 1 });
  pool.on('error', (err) => log('migrate.pool_error', { err: err.message }));
  try {
    const output = await withSchemaEngine(
      {
        schemaFiles: [{ path: path.basename(opts.schemaPath), content: schema }],
        adapterFactory: migrationAdapterFactory(pool),
        log: (line) => log('schema_engine.log', { line: line.trimEnd() }),
      },
      (engine) => engine.applyMigrations({ migrationsList, filters: NO_FILTERS }),
    );
    return output.appliedMigrationNames;
  } finally {
    await pool.end();
  }
}
