import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../src/db/migrate.js';
import { createDb } from '../../src/db/prisma.js';
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
});
