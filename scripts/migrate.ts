// Applies pending migrations to DATABASE_URL, creating the database if needed.
// Usage: tsx scripts/migrate.ts
import { applyMigrations } from '../src/db/migrate.js';
import { migrationsDir, schemaPath } from '../src/db/paths.js';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('DATABASE_URL is not set');
  process.exit(1);
}

try {
  const result = await applyMigrations({
    databaseUrl,
    migrationsDir,
    schemaPath,
    log: (event) => {
      if (event === 'db.created' || event === 'migrate.lock_wait') console.log(event);
    },
  });
  console.log(result.applied.length > 0 ? `applied: ${result.applied.join(', ')}` : 'up to date');
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
