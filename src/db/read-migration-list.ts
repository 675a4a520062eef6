import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { MigrationDirectory, MigrationList } from './schema-engine.js';

export const MIGRATION_FILE = 'migration.sql';
export const LOCK_FILE = 'migration_lock.toml';

/**
 * Loads Prisma's standard layout (`<dir>/<timestamp>_<name>/migration.sql` plus
 * `<dir>/migration_lock.toml`) the way the CLI hands it to the engine. A missing folder is
 * an empty history, not an error: a project with no migration yet simply has nothing to apply.
 */
export async function readMigrationList(migrationsDir: string): Promise<MigrationList> {
  const baseDir = path.resolve(migrationsDir);
  const names = await listMigrationNames(baseDir);
  const migrationDirectories = await Promise.all(names.map((name) => readMigrationDirectory(baseDir, name)));
  return {
    baseDir,
    lockfile: { path: LOCK_FILE, content: await readOptional(path.join(baseDir, LOCK_FILE)) },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

/** Migration folder names in the order they apply: by name, hence by timestamp. */
export async function listMigrationNames(migrationsDir: string): Promise<string[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(ifMissing([]));
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

async function readMigrationDirectory(baseDir: string, name: string): Promise<MigrationDirectory> {
  const file = path.join(baseDir, name, MIGRATION_FILE);
  // Like the CLI, a folder without its script is passed on as an error for the engine to report.
  const content = await readFile(file, 'utf8').then(
    (value) => ({ tag: 'ok' as const, value }),
    (err: unknown) => ({ tag: 'error' as const, value: `Could not read ${file}: ${String(err)}` }),
  );
  return { path: name, migrationFile: { path: MIGRATION_FILE, content } };
}

async function readOptional(file: string): Promise<string | null> {
  return readFile(file, 'utf8').catch(ifMissing(null));
}

function ifMissing<T>(fallback: T): (err: unknown) => T {
  return (err) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw err;
  };
}
