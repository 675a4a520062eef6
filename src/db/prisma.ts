import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/client.js';
import { runTogether, sqlPool, statement, together, type Sql, type SqlPool, type Statement, type Tx } from './sql.js';

export { runTogether, statement, together, type Sql, type SqlPool, type Statement, type Tx };

/**
 * The database: Prisma's typed model queries plus the engine's raw SQL (`query`, `execute`,
 * `transaction`), both on one node-postgres pool, so DATABASE_POOL_SIZE bounds them together.
 */
export type Db = PrismaClient & SqlPool;

export function createDb(databaseUrl: string, poolSize = 20): Db {
  // A busy pool is a wait (up to 10 s), not an error: callers queue for a connection.
  // Pipelined: a connection sends what it is given at once (see sqlPool's transactions).
  // Connections stay open through ten idle minutes, where node-postgres closes them after ten
  // seconds: a new PostgreSQL backend costs 25-60 ms of CPU before it has answered its first
  // statements (the process, its caches, the prepared statements), and the slowest decisions
  // came with the backends that pools reopened at each burst of calls (docs/BENCHMARKS.md).
  // TCP keep-alive probes keep an idle connection known to a NAT or firewall in between,
  // which may otherwise forget it within minutes and leave the next query hanging.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 10 * 60_000, keepAlive: true, keepAliveInitialDelayMillis: 60_000, pipeline: true });
  // An idle connection that drops (a PostgreSQL restart) is replaced on the next checkout.
  pool.on('error', () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  const db = Object.assign(prisma, sqlPool(pool));
  // Prisma ends the pool only if its own queries ever connected; the engine's may be all there were.
  const disconnect = prisma.$disconnect.bind(prisma);
  db.$disconnect = async () => {
    await disconnect();
    if (!pool.ended) await pool.end();
  };
  return db;
}
