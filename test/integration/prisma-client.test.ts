import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDatabase } from '../../src/db/ensure-database.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { createDb, runTogether, statement } from '../../src/db/prisma.js';
import { testDatabases } from '../support/test-databases.js';

const databases = testDatabases('client');
afterAll(() => databases.dropAll());

describe('createDb', { timeout: 60_000 }, () => {
  it('queries a migrated database through adapter-pg with no native engine', async () => {
    const databaseUrl = databases.url('db');
    await applyMigrations({
      databaseUrl,
      migrationsDir: fileURLToPath(new URL('../../prisma/migrations', import.meta.url)),
      schemaPath: fileURLToPath(new URL('../../prisma/schema.prisma', import.meta.url)),
    });
    const prisma = createDb(databaseUrl);
    try {
      const rows = await prisma.$queryRaw<{ migrations: number }[]>`SELECT count(*)::int AS migrations FROM _prisma_migrations`;
      expect(rows[0]?.migrations).toBeGreaterThan(0);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('runs raw SQL with int8 as bigint, transactions that roll back on a throw, and writes together in one statement', async () => {
    const url = databases.url('raw');
    await ensureDatabase(url);
    const db = createDb(url);
    try {
      await db.execute(`CREATE TABLE t (id bigint PRIMARY KEY, name text, at timestamptz, tags text[])`);
      const [row] = await db.query<{ n: bigint; now: Date }>(`SELECT 9007199254740993::int8 AS n, now() AS now`);
      expect(row!.n).toBe(9007199254740993n);
      expect(row!.now).toBeInstanceOf(Date);

      await expect(
        db.transaction(async (tx) => {
          await tx.execute(`INSERT INTO t (id, name) VALUES ($1, $2)`, 1n, 'rolled back');
          throw new Error('stop');
        }),
      ).rejects.toThrow('stop');
      expect(await db.query(`SELECT * FROM t`)).toEqual([]);

      // Placeholders of each statement are renumbered; every statement runs.
      const at = new Date('2026-12-01T10:00:00Z');
      await runTogether(db, [
        statement(`INSERT INTO t (id, name, at) VALUES ($1, $2, $3)`, 2n, 'two', at),
        statement(`INSERT INTO t (id, name, tags) VALUES ($1, $2, $3::text[])`, 3n, 'three', ['a', 'b']),
        statement(`UPDATE t SET name = $2 WHERE id = $1`, 99n, 'nobody'),
      ]);
      expect(await db.query(`SELECT id, name, at, tags FROM t ORDER BY id`)).toEqual([
        { id: 2n, name: 'two', at, tags: null },
        { id: 3n, name: 'three', at: null, tags: ['a', 'b'] },
      ]);
    } finally {
      await db.$disconnect();
    }
  });
});
