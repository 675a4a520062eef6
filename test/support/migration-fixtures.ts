import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A schema with no model: applying migrations does not depend on what the schema holds. */
export const EMPTY_SCHEMA = 'datasource db {\n  provider = "postgresql"\n}\n';

/** A throwaway prisma/ folder: the schema plus migrations/<name>/migration.sql for each entry. */
export async function writeMigrationsFolder(migrations: Record<string, string>): Promise<{ root: string; migrationsDir: string; schemaPath: string }> {
  const root = await mkdtemp(path.join(tmpdir(), 'codecall-migrations-'));
  const migrationsDir = path.join(root, 'migrations');
  const schemaPath = path.join(root, 'schema.prisma');
  await writeFile(schemaPath, EMPTY_SCHEMA);
  await addMigrations(migrationsDir, migrations);
  await writeFile(path.join(migrationsDir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  return { root, migrationsDir, schemaPath };
}

export async function addMigrations(migrationsDir: string, migrations: Record<string, string>): Promise<void> {
  for (const [name, sql] of Object.entries(migrations)) {
    await mkdir(path.join(migrationsDir, name), { recursive: true });
    await writeFile(path.join(migrationsDir, name, 'migration.sql'), sql);
  }
}
