import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDatabase } from '../../src/db/ensure-database.js';
import { MIGRATE_LOCK_KEY, applyMigrations } from '../../src/db/migrate.js';
import { listMigrationNames } from '../../src/db/read-migration-list.js';
import { addMigrations, writeMigrationsFolder } from '../support/migration-fixtures.js';
import { queryDatabase, testDatabases, throughSocket } from '../support/test-databases.js';

const INIT = '20250101000000_init';
const INIT_SQL = `CREATE TABLE "widget" (
    "id" TEXT NOT NULL,
    "label" TEXT NOT NULL DEFAULT 'a;b',
    CONSTRAINT "widget_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "gadget" ("id" INTEGER PRIMARY KEY);
`;

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
}

const databases = testDatabases('migrate');
const folders: string[] = [];
afterAll(async () => {
  await databases.dropAll();
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function fixture(migrations: Record<string, string>) {
  const folder = await writeMigrationsFolder(migrations);
  folders.push(folder.root);
  return folder;
}

function migrationRows(databaseUrl: string): Promise<MigrationRow[]> {
  return queryDatabase<MigrationRow>(databaseUrl, 'SELECT * FROM _prisma_migrations ORDER BY started_at');
}

async function tableNames(databaseUrl: string): Promise<string[]> {
  const rows = await queryDatabase<{ table_name: string }>(databaseUrl, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name");
  return rows.map((r) => r.table_name);
}

async function lockWaiters(databaseUrl: string): Promise<number> {
  const rows = await queryDatabase<{ n: number }>(databaseUrl, "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
  return rows[0]?.n ?? 0;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('applyMigrations', { timeout: 60_000 }, () => {
  it('creates the database and its tables and records each migration as prisma migrate deploy does', async () => {
    const databaseUrl = databases.url('empty');
    const folder = await fixture({ [INIT]: INIT_SQL });

    const result = await applyMigrations({ databaseUrl, ...folder });

    expect(result).toEqual({ databaseCreated: true, applied: [INIT] });
    expect(await tableNames(databaseUrl)).toEqual(['_prisma_migrations', 'gadget', 'widget']);
    const rows = await migrationRows(databaseUrl);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ migration_name: INIT, checksum: sha256(INIT_SQL), rolled_back_at: null, applied_steps_count: 1 });
    expect(rows[0]?.finished_at).toBeInstanceOf(Date);
  });

  it("works through the Unix socket of a PostgreSQL on the same machine, as the README advises", async () => {
    const databaseUrl = throughSocket(databases.url('socket'));
    const folder = await fixture({ [INIT]: INIT_SQL });

    expect(await applyMigrations({ databaseUrl, ...folder })).toEqual({ databaseCreated: true, applied: [INIT] });
    // A connection through the socket has no client address.
    expect(await queryDatabase<{ addr: string | null }>(databaseUrl, 'SELECT inet_client_addr() AS addr')).toEqual([{ addr: null }]);
  });

  it('does nothing when the database is already up to date', async () => {
    const databaseUrl = databases.url('twice');
    const folder = await fixture({ [INIT]: INIT_SQL });
    await applyMigrations({ databaseUrl, ...folder });
    const before = await migrationRows(databaseUrl);

    const result = await applyMigrations({ databaseUrl, ...folder });

    expect(result).toEqual({ databaseCreated: false, applied: [] });
    expect(await migrationRows(databaseUrl)).toEqual(before);
  });

  it('applies only the migrations added since the last run, in folder order', async () => {
    const databaseUrl = databases.url('later');
    const folder = await fixture({ [INIT]: INIT_SQL });
    await applyMigrations({ databaseUrl, ...folder });
    await addMigrations(folder.migrationsDir, {
      '20250103000000_second': 'ALTER TABLE "widget" ADD COLUMN "size" INTEGER;\n',
      '20250102000000_first': 'CREATE TABLE "sprocket" ("id" INTEGER PRIMARY KEY);\n',
    });

    const result = await applyMigrations({ databaseUrl, ...folder });

    expect(result.applied).toEqual(['20250102000000_first', '20250103000000_second']);
    expect((await migrationRows(databaseUrl)).map((r) => r.migration_name)).toEqual([INIT, '20250102000000_first', '20250103000000_second']);
  });

  it('lets two concurrent applies on a missing database both succeed while the migration runs once', async () => {
    const databaseUrl = databases.url('race');
    const folder = await fixture({ [INIT]: INIT_SQL });

    const results = await Promise.all([applyMigrations({ databaseUrl, ...folder }), applyMigrations({ databaseUrl, ...folder })]);

    expect(results.map((r) => r.applied).sort()).toEqual([[], [INIT]]);
    expect(results.filter((r) => r.databaseCreated)).toHaveLength(1);
    expect((await migrationRows(databaseUrl)).map((r) => r.migration_name)).toEqual([INIT]);
  });

  it('makes a migrator wait while another session holds the migration lock', async () => {
    const databaseUrl = databases.url('lock');
    const folder = await fixture({ [INIT]: INIT_SQL });
    await ensureDatabase(databaseUrl);
    const holder = new pg.Client({ connectionString: databaseUrl });
    await holder.connect();
    await holder.query('SELECT pg_advisory_lock($1)', [MIGRATE_LOCK_KEY.toString()]);
    const events: string[] = [];

    const pending = applyMigrations({ databaseUrl, ...folder, log: (event) => events.push(event) });
    await waitFor(async () => (await lockWaiters(databaseUrl)) === 1);
    expect(await tableNames(databaseUrl)).toEqual([]);
    await holder.end();

    expect((await pending).applied).toEqual([INIT]);
    expect(events).toContain('migrate.lock_wait');
  });

  it('runs a migration as one script, so semicolons inside strings and function bodies survive', async () => {
    const databaseUrl = databases.url('script');
    const folder = await fixture({
      [INIT]: `CREATE TABLE "note" ("body" TEXT NOT NULL DEFAULT 'x; y');
CREATE FUNCTION "answer"() RETURNS INTEGER LANGUAGE plpgsql AS $$ BEGIN RETURN 42; END; $$;
`,
    });

    await applyMigrations({ databaseUrl, ...folder });

    expect(await queryDatabase(databaseUrl, 'SELECT "answer"() AS answer')).toEqual([{ answer: 42 }]);
  });

  it('rolls a failing migration back as a whole and refuses to go on until it is resolved', async () => {
    const databaseUrl = databases.url('failing');
    const folder = await fixture({ [INIT]: 'CREATE TABLE "half" ("id" INTEGER);\nSELECT * FROM "no_such_table";\n' });

    await expect(applyMigrations({ databaseUrl, ...folder })).rejects.toThrow(/no_such_table/);
    expect(await tableNames(databaseUrl)).toEqual(['_prisma_migrations']);
    expect((await migrationRows(databaseUrl))[0]).toMatchObject({ migration_name: INIT, finished_at: null, applied_steps_count: 0 });
    await expect(applyMigrations({ databaseUrl, ...folder })).rejects.toThrow(/failed migrations/);
  });

  it("applies the project's own migrations", async () => {
    const databaseUrl = databases.url('project');
    const migrationsDir = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));
    const schemaPath = fileURLToPath(new URL('../../prisma/schema.prisma', import.meta.url));
    const expected = await listMigrationNames(migrationsDir);

    expect((await applyMigrations({ databaseUrl, migrationsDir, schemaPath })).applied).toEqual(expected);
    expect((await applyMigrations({ databaseUrl, migrationsDir, schemaPath })).applied).toEqual([]);
  });
});
