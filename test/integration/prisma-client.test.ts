import net, { type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDatabase } from '../../src/db/ensure-database.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { createDb, runTogether, statement, together } from '../../src/db/prisma.js';
import { CommitOutcomeUnknownError } from '../../src/errors.js';
import { isSocketUrl, queryDatabase, testDatabases } from '../support/test-databases.js';

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

  it('keeps its connections open through an idle pause longer than the ten seconds of node-postgres', async () => {
    const url = databases.url('idle');
    await ensureDatabase(url);
    const db = createDb(url, 3);
    try {
      // Three transactions at once take three connections.
      const backends = async () => new Set(await Promise.all([0, 1, 2].map(() => db.transaction(async (tx) => (await tx.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid FROM pg_sleep(0.1)`))[0]!.pid))));
      const before = await backends();
      expect(before.size).toBe(3);
      await new Promise((r) => setTimeout(r, 11_000));
      // The same backends, not new ones: each new one costs PostgreSQL tens of ms of CPU.
      expect(await backends()).toEqual(before);
      // And closed with the pool, though Prisma itself never connected.
      await db.$disconnect();
      await expect.poll(async () => (await queryDatabase<{ n: number }>(url, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`))[0]!.n).toBe(0);
    } finally {
      await db.$disconnect();
    }
  });

  it('says a transaction may have committed when its connection drops after the COMMIT went out, and not when PostgreSQL refused it', async () => {
    const url = databases.url('commit');
    await ensureDatabase(url);
    // A proxy in front of PostgreSQL that the test can cut, as a network or a restart would.
    const server = new URL(url);
    const upstream = isSocketUrl(url) ? { path: `${server.searchParams.get('host')}/.s.PGSQL.${server.port || 5432}` } : { host: server.hostname, port: Number(server.port || 5432) };
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((client) => {
      const pg = net.connect(upstream);
      for (const s of [client, pg]) {
        sockets.add(s);
        s.on('error', () => {});
      }
      client.pipe(pg).pipe(client);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const through = new URL(url);
    through.searchParams.delete('host');
    through.hostname = '127.0.0.1';
    through.port = String((proxy.address() as AddressInfo).port);
    const db = createDb(through.toString(), 1);
    try {
      await db.execute('CREATE TABLE t (n int PRIMARY KEY)');
      // PostgreSQL answered: the transaction surely rolled back.
      await expect(db.transaction(async (tx) => void tx.send(statement('INSERT INTO t VALUES (1), (1)')))).rejects.toMatchObject({ code: '23505' });
      // Failed before its COMMIT went out: the failure itself.
      await expect(db.transaction(async () => Promise.reject(new Error('changed my mind')))).rejects.toThrow('changed my mind');
      // Cut while the COMMIT waits behind a slow statement: it may or may not have committed.
      const cut = db.transaction(async (tx) => {
        tx.send(statement('SELECT pg_sleep(0.5)'));
        tx.send(statement('INSERT INTO t VALUES (2)'));
      });
      setTimeout(() => sockets.forEach((s) => s.destroy()), 200);
      await expect(cut).rejects.toBeInstanceOf(CommitOutcomeUnknownError);
    } finally {
      await db.$disconnect();
      proxy.close();
    }
  });

  it('pipelines a transaction: sent statements answer after the commit, the first failure among them rolls it all back, and a read sent behind a lock sees what the lock waited for', async () => {
    const url = databases.url('pipelined');
    await ensureDatabase(url);
    const db = createDb(url);
    try {
      await db.execute(`CREATE TABLE t (id bigint PRIMARY KEY, name text)`);

      // Rows of a sent statement, awaited once committed: those of `returning` statements only.
      const insert = (id: bigint) => statement(`INSERT INTO t (id, name) VALUES ($1, $2)`, id, `row ${id}`);
      const returned = await db.transaction(async (tx) => ({
        rows: tx.send<{ id: bigint }>(together([insert(1n)], [statement(`INSERT INTO t (id, name) VALUES ($1, $2) RETURNING id`, 2n, 'two')])),
        none: tx.send(together([insert(3n), insert(4n)])),
      }));
      expect(await returned.rows).toEqual([{ id: 2n }]);
      expect(await returned.none).toEqual([]);
      expect(await db.query(`SELECT id FROM t ORDER BY id`)).toEqual([{ id: 1n }, { id: 2n }, { id: 3n }, { id: 4n }]);
      await db.execute(`DELETE FROM t WHERE id > 2`);

      // A sent statement fails: the transaction fails with its error, whatever came after it.
      for (const awaitAfter of [false, true]) {
        const failed = db.transaction(async (tx) => {
          tx.send(statement(`INSERT INTO t (id, name) VALUES ($1, $2)`, 3n, 'three'));
          tx.send(statement(`INSERT INTO t (id, name) VALUES ($1, $2)`, 1n, 'taken'));
          if (awaitAfter) await tx.query(`SELECT 1`);
        });
        await expect(failed).rejects.toThrow(/duplicate key/);
      }
      expect(await db.query(`SELECT id FROM t ORDER BY id`)).toEqual([{ id: 1n }, { id: 2n }]);

      // Another transaction holds row 1 and renames it; a lock and a read sent together wait
      // for it, and the read sees the new name.
      let holding!: () => void;
      const held = new Promise<void>((r) => (holding = r));
      const other = db.transaction(async (tx) => {
        await tx.query(`SELECT id FROM t WHERE id = 1 FOR UPDATE`);
        await tx.execute(`UPDATE t SET name = 'renamed' WHERE id = 1`);
        holding();
        await new Promise((r) => setTimeout(r, 300));
      });
      await held;
      const [, read] = await db.transaction((tx) => Promise.all([tx.query(`SELECT id FROM t WHERE id = 1 FOR UPDATE`), tx.query<{ name: string }>(`SELECT name FROM t WHERE id = 1`)]));
      await other;
      expect(read).toEqual([{ name: 'renamed' }]);
    } finally {
      await db.$disconnect();
    }
  });
});
