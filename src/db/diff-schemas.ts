import type { DiffTarget } from './schema-engine.js';
import { NO_FILTERS, withSchemaEngine } from './schema-engine.js';
import { offlineAdapterFactory } from './offline-adapter-factory.js';

const SCHEMA_FILE = 'schema.prisma';

/**
 * The SQL that takes a database from `previous` (null: an empty database) to `current`,
 * as `prisma migrate diff --script` writes it. Needs no database. Returns null when the two
 * schemas describe the same database.
 */
export async function diffSchemas(previous: string | null, current: string): Promise<string | null> {
  const from: DiffTarget = previous === null ? { tag: 'empty' } : { tag: 'schemaDatamodel', files: [{ path: SCHEMA_FILE, content: previous }] };
  const to: DiffTarget = { tag: 'schemaDatamodel', files: [{ path: SCHEMA_FILE, content: current }] };
  const result = await withSchemaEngine({ schemaFiles: to.files, adapterFactory: offlineAdapterFactory() }, (engine) =>
    // exitCode: true makes the engine report 2 for a non-empty diff, 0 for none.
    engine.diff({ from, to, script: true, exitCode: true, filters: NO_FILTERS }),
  );
  return result.exitCode === 2 ? (result.stdout ?? '') : null;
}
