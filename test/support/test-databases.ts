import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

/** Read when used, so that a caller (the benchmarks) may choose the server's address first. */
const baseUrl = () => process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** Where Debian's PostgreSQL keeps its Unix socket. */
export const SOCKET_DIR = '/var/run/postgresql';

/** The same database and user, reached through the server's Unix socket instead of TCP. */
export function throughSocket(url: string = baseUrl()): string {
  const u = new URL(url);
  u.hostname = 'localhost';
  u.port = '';
  u.searchParams.set('host', SOCKET_DIR);
  return u.toString();
}

export const isSocketUrl = (url: string = baseUrl()): boolean => new URL(url).searchParams.get('host')?.startsWith('/') ?? false;

/**
 * Hands out URLs of uniquely named databases on the test server (created by whoever uses
 * them) and drops them all at the end of the run.
 */
export function testDatabases(prefix: string): { url(label: string): string; dropAll(): Promise<void> } {
  const run = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const names = new Set<string>();
  return {
    url(label) {
      const name = `codecall_${run}_${label}`.toLowerCase();
      names.add(name);
      return withDatabase(baseUrl(), name);
    },
    async dropAll() {
      const admin = new pg.Client({ connectionString: baseUrl() });
      await admin.connect();
      try {
        for (const name of names) await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}

/** Runs one query on a database and closes the connection. */
export async function queryDatabase<R extends pg.QueryResultRow>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A run's keys (its queues), off the shared Redis, which would otherwise keep every run's. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 })) if ((keys as string[]).length) await redis.unlink(...(keys as string[]));
  } finally {
    redis.disconnect();
  }
}
