// Writes the next migration from prisma/schema.prisma, with no database.
// Usage: tsx scripts/create-migration.ts <name>
import path from 'node:path';
import { createMigration } from '../src/db/create-migration.js';
import { migrationsDir, repoRoot, schemaPath } from '../src/db/paths.js';

const name = process.argv[2];
if (!name) {
  console.error('usage: tsx scripts/create-migration.ts <name>');
  process.exit(1);
}

try {
  const result = await createMigration({ migrationsDir, schemaPath, name });
  if (!result.created) {
    console.log('no changes');
  } else {
    console.log(`created ${path.relative(repoRoot, result.dir)}`);
  }
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
