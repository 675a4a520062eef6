import pg from 'pg';

const INVALID_CATALOG_NAME = '3D000';
const DUPLICATE_DATABASE = '42P04';
const UNIQUE_VIOLATION = '23505';

/**
 * Creates the database named in the URL if it does not exist. Returns true when this call
 * created it. Connecting first means a database that exists needs no access to `postgres`.
 */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  if (await databaseExists(databaseUrl)) return false;
  const { name, maintenanceUrl } = splitDatabaseUrl(databaseUrl);
  const admin = new pg.Client({ connectionString: maintenanceUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
    return true;
  } catch (err) {
    if (createdByAnother(err)) return false;
    throw err;
  } finally {
    await admin.end();
  }
}

async function databaseExists(databaseUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    return true;
  } catch (err) {
    if (pgCode(err) === INVALID_CATALOG_NAME) return false;
    throw err;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Two processes can both see the database missing. The loser's CREATE DATABASE fails with
 * duplicate_database, or with a unique violation on pg_database when both insert at once.
 */
function createdByAnother(err: unknown): boolean {
  const code = pgCode(err);
  if (code === DUPLICATE_DATABASE) return true;
  return code === UNIQUE_VIOLATION && String((err as { constraint?: unknown }).constraint ?? (err as Error).message).includes('pg_database');
}

function pgCode(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
}

function splitDatabaseUrl(databaseUrl: string): { name: string; maintenanceUrl: string } {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new Error('The database URL names no database to create');
  url.pathname = '/postgres';
  return { name, maintenanceUrl: url.toString() };
}
