import { loadDatabaseConfig } from '../config.js';
import { applyMigrations } from '../db/migrate.js';
import { migrationsDir, schemaPath } from '../db/paths.js';

/** migrate: applies pending migrations to DATABASE_URL, creating the database if needed. */
export async function run(): Promise<void> {
  const { database } = loadDatabaseConfig();
  const result = await applyMigrations({
    databaseUrl: database.url,
    migrationsDir,
    schemaPath,
    log: (event) => {
      if (event === 'db.created' || event === 'migrate.lock_wait') console.log(event);
    },
  });
  console.log(result.applied.length > 0 ? `applied: ${result.applied.join(', ')}` : 'up to date');
}
