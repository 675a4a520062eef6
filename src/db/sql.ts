import pg from 'pg';
import { ACTIVE_STATUSES } from '../domain/outcomes.js';

/** The live call statuses as an SQL list, for `status IN (...)`. */
export const ACTIVE_STATUS_SQL = ACTIVE_STATUSES.map((s) => `'${s}'`).join(', ');

/** Raw SQL with $1… parameters, in or out of a transaction. */
export interface Sql {
  query<Row = Record<string, unknown>>(text: string, ...values: unknown[]): Promise<Row[]>;
  /** Returns the number of rows the statement touched. */
  execute(text: string, ...values: unknown[]): Promise<number>;
}

/** A statement to run later, together with others. */
export interface Statement {
  text: string;
  values: unknown[];
}

export function statement(text: string, ...values: unknown[]): Statement {
  return { text, values };
}

/**
 * Runs data-modifying statements (INSERT, UPDATE, DELETE, no RETURNING) in one round trip,
 * each as a CTE of a single statement: socket round trips, not PostgreSQL's work, are what a
 * call event costs most (docs/BENCHMARKS.md). They all see the rows as they were before any
 * of them ran, so none may depend on another's change.
 */
export async function runTogether(sql: Sql, statements: Statement[]): Promise<void> {
  if (statements.length === 0) return;
  if (statements.length === 1) {
    await sql.execute(statements[0]!.text, ...statements[0]!.values);
    return;
  }
  const values: unknown[] = [];
  const parts = statements.map((s, i) => {
    const offset = values.length;
    values.push(...s.values);
    return `w${i} AS (${s.text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)})`;
  });
  await sql.execute(`WITH ${parts.join(',\n')} SELECT 1`, ...values);
}

export interface SqlPool extends Sql {
  /** Runs `fn` in one transaction on one connection: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
}

// The rows look as they did through Prisma's raw queries: bigint for int8 (ids, counts).
const INT8 = 20;
const INT8_ARRAY = 1016;
const parserOf = pg.types.getTypeParser as (oid: number, format?: string) => (value: string) => unknown;
const TYPES = {
  getTypeParser(oid: number, format?: string) {
    if (oid === INT8) return (v: string) => BigInt(v);
    if (oid === INT8_ARRAY) return (v: string) => (parserOf(INT8_ARRAY)(v) as (string | null)[]).map((x) => (x === null ? null : BigInt(x)));
    return parserOf(oid, format);
  },
} as pg.CustomTypesConfig;

function runner(client: pg.Pool | pg.PoolClient): Sql {
  return {
    async query<Row>(text: string, ...values: unknown[]) {
      return (await client.query({ text, values, types: TYPES })).rows as Row[];
    },
    async execute(text: string, ...values: unknown[]) {
      return (await client.query({ text, values, types: TYPES })).rowCount ?? 0;
    },
  };
}

/**
 * The engine's SQL straight over node-postgres, on the pool Prisma uses too. A statement
 * through Prisma's raw query API costs about four times the CPU (docs/BENCHMARKS.md), and
 * the engine runs a dozen of them per call event; Prisma stays for the schema, migrations
 * and the typed model queries of the API and dashboard.
 */
export function sqlPool(pool: pg.Pool): SqlPool {
  return {
    ...runner(pool),
    async transaction(fn) {
      const client = await pool.connect();
      // A connection that dies while the transaction waits on JavaScript emits 'error' with
      // no query to take it; unheard, that would end the process.
      let broken: Error | undefined;
      const onError = (err: Error) => {
        broken = err;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await fn(runner(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((e: Error) => {
          broken ??= e;
        });
        throw err;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
  };
}
