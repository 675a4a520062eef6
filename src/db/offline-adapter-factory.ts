import { ColumnTypeEnum, DriverAdapterError, type SqlDriverAdapter, type SqlMigrationAwareDriverAdapterFactory, type SqlQuery, type SqlResultSet } from '@prisma/driver-adapter-utils';

/** Whatever server version we claim; a diff between two datamodels does not depend on it. */
const CLAIMED_SERVER = { version: 'PostgreSQL 15 (codecall offline adapter)', versionNum: 150000 };

/**
 * A PostgreSQL adapter with no server behind it, for diffs between two Prisma schemas. The
 * engine runs one probe query when it starts (schema exists? which version?) even for commands
 * that never touch a database; this answers that probe and refuses everything else loudly.
 */
export function offlineAdapterFactory(): SqlMigrationAwareDriverAdapterFactory {
  return {
    provider: 'postgres',
    adapterName: 'codecall-offline',
    connect: async () => offlineAdapter(),
    connectToShadowDb: async () => offlineAdapter(),
  };
}

function offlineAdapter(): SqlDriverAdapter {
  return {
    provider: 'postgres',
    adapterName: 'codecall-offline',
    queryRaw: async (query) => answerProbe(query),
    executeRaw: async (query) => refuse(query.sql),
    executeScript: async (script) => refuse(script),
    startTransaction: async () => refuse('BEGIN'),
    getConnectionInfo: () => ({ schemaName: 'public', supportsRelationJoins: true }),
    dispose: async () => {},
  };
}

function answerProbe(query: SqlQuery): SqlResultSet {
  if (!/\bversion\(\)/.test(query.sql)) refuse(query.sql);
  return {
    columnNames: ['exists', 'version', 'numeric_version'],
    columnTypes: [ColumnTypeEnum.Boolean, ColumnTypeEnum.Text, ColumnTypeEnum.Int32],
    rows: [[true, CLAIMED_SERVER.version, CLAIMED_SERVER.versionNum]],
  };
}

function refuse(sql: string): never {
  // A DriverAdapterError, not a plain Error: the engine shows only an opaque id for the latter.
  throw new DriverAdapterError({
    kind: 'postgres',
    code: 'N/A',
    severity: 'ERROR',
    message: `This command runs without a database, yet the schema engine tried to run: ${sql.slice(0, 200)}`,
    detail: undefined,
    column: undefined,
    hint: undefined,
  });
}
