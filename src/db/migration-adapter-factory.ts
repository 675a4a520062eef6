import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type pg from 'pg';

/**
 * adapter-pg as the schema engine needs it. Its `executeScript` splits a migration on every
 * `;`, which breaks string literals and function bodies and commits each statement on its own.
 * Sending the script as one simple query (an executeRaw with no parameters) runs it the way
 * `prisma migrate deploy` does: whole, in one implicit transaction.
 */
export function migrationAdapterFactory(pool: pg.Pool): SqlMigrationAwareDriverAdapterFactory {
  const base = new PrismaPg(pool);
  return {
    provider: base.provider,
    adapterName: base.adapterName,
    connect: async () => runScriptsWhole(await base.connect()),
    connectToShadowDb: async () => runScriptsWhole(await base.connectToShadowDb()),
  };
}

function runScriptsWhole(adapter: SqlDriverAdapter): SqlDriverAdapter {
  adapter.executeScript = async (script) => {
    await adapter.executeRaw({ sql: script, args: [], argTypes: [] });
  };
  return adapter;
}
