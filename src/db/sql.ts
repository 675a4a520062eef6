import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import pg from 'pg';
import { ACTIVE_STATUSES } from '../domain/outcomes.js';
import { CommitOutcomeUnknownError } from '../errors.js';

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
 * Data-modifying statements (INSERT, UPDATE, DELETE) as one, each a CTE of a single
 * statement: the rows of `returning` (statements with RETURNING) come back, of the others
 * none. Each statement a call event writes costs this machine more in messages and
 * PostgreSQL's per-statement work than the write itself (docs/BENCHMARKS.md). They all see
 * the rows as they were before any of them ran, so none may depend on another's change.
 */
export function together(writes: Statement[], returning: Statement[] = []): Statement {
  if (writes.length === 1 && returning.length === 0) return writes[0]!;
  if (writes.length === 0 && returning.length === 1) return returning[0]!;
  const values: unknown[] = [];
  const cte = (s: Statement, name: string) => {
    const offset = values.length;
    values.push(...s.values);
    return `${name} AS (${s.text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)})`;
  };
  const parts = [...writes.map((s, i) => cte(s, `w${i}`)), ...returning.map((s, i) => cte(s, `r${i}`))];
  const select = returning.length ? returning.map((_, i) => `SELECT * FROM r${i}`).join(' UNION ALL ') : 'SELECT 1 WHERE false';
  return { text: `WITH ${parts.join(',\n')}\n${select}`, values };
}

/** Runs data-modifying statements (no RETURNING) in one round trip; see `together`. */
export async function runTogether(sql: Sql, statements: Statement[]): Promise<void> {
  if (statements.length === 0) return;
  const s = together(statements);
  await sql.execute(s.text, ...s.values);
}

/** A transaction's connection. Statements go out pipelined: each as soon as it is made, answered in order. */
export interface Tx extends Sql {
  /**
   * Sends a statement without waiting for its answer: it goes out at once, ahead of every
   * statement after it and the COMMIT, and if it fails the transaction fails. Its rows may
   * be awaited later, after the commit too.
   */
  send<Row = Record<string, unknown>>(s: Statement): Promise<Row[]>;
}

export interface SqlPool extends Sql {
  /**
   * Runs `fn` in one transaction on one connection: committed if it resolves, rolled back if
   * it throws. Fails with CommitOutcomeUnknownError when the connection failed after the
   * COMMIT went out, before PostgreSQL answered.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
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

/**
 * Each statement is prepared once per connection, under a name made from its text: planning
 * the engine's statements cost PostgreSQL as much CPU as running them (docs/BENCHMARKS.md),
 * and a prepared statement is planned once for all parameters when that plan is as good.
 * The engine's statement texts are a fixed set, so the names are too.
 */
const names = new Map<string, string>();
function nameOf(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `cc_${createHash('sha1').update(text).digest('base64url')}`;
    names.set(text, name);
  }
  return name;
}

function runner(client: pg.Pool | pg.PoolClient): Sql {
  const run = (text: string, values: unknown[]) => client.query({ name: nameOf(text), text, values, types: TYPES });
  return {
    async query<Row>(text: string, ...values: unknown[]) {
      return (await run(text, values)).rows as Row[];
    },
    async execute(text: string, ...values: unknown[]) {
      return (await run(text, values)).rowCount ?? 0;
    },
  };
}

/**
 * The engine's SQL straight over node-postgres, on the pool Prisma uses too. A statement
 * through Prisma's raw query API costs about four times the CPU (docs/BENCHMARKS.md), and
 * the engine runs a dozen of them per call event; Prisma stays for the schema, migrations
 * and the typed model queries of the API and dashboard.
 *
 * Transactions use the pool's pipelining: every statement goes out at once, without waiting
 * for the one before, and those made in one tick share a socket write. So BEGIN leaves with
 * the first statement, and what `send` sends with the statements after it or the COMMIT: a
 * call event's transaction costs two round trips instead of five or more.
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
      const unanswered: Promise<unknown>[] = [];
      const send = <T>(p: Promise<T>): Promise<T> => {
        p.catch(() => {}); // its failure is the transaction's, reported below
        unanswered.push(p);
        return p;
      };
      const sql = coalescing(client);
      let committing = false;
      try {
        send(sql.execute('BEGIN'));
        const result = await fn({ ...sql, send: (s) => send(sql.query(s.text, ...s.values)) });
        send(sql.execute('COMMIT'));
        committing = true;
        const failed = await firstFailure(unanswered);
        if (failed) throw failed;
        return result;
      } catch (err) {
        // A failed statement aborts the transaction and every later one fails with it: the
        // first failure is the one that explains.
        const first = (await firstFailure(unanswered)) ?? err;
        await client.query('ROLLBACK').catch((e: Error) => {
          broken ??= e;
        });
        // An error PostgreSQL sent means it rolled back; a connection lost after the COMMIT
        // went out may have been lost after it committed.
        throw committing && !(first instanceof pg.DatabaseError) ? new CommitOutcomeUnknownError(first) : first;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
  };
}

/**
 * Statements made in one tick leave in one socket write instead of one each: a write to a
 * local socket costs this machine more CPU than most of the statements it carries
 * (docs/BENCHMARKS.md).
 */
function coalescing(client: pg.PoolClient): Sql {
  const stream = (client as unknown as { connection: { stream: Writable } }).connection.stream;
  let held = false;
  const hold = () => {
    if (held) return;
    held = true;
    stream.cork();
    process.nextTick(() => {
      held = false;
      stream.uncork();
    });
  };
  const sql = runner(client);
  return {
    query: (text, ...values) => (hold(), sql.query(text, ...values)),
    execute: (text, ...values) => (hold(), sql.execute(text, ...values)),
  };
}

/** The first of `sent` to fail, in the order they were sent, once all are answered. */
async function firstFailure(sent: Promise<unknown>[]): Promise<unknown> {
  const settled = await Promise.allSettled(sent);
  return settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')?.reason;
}
