// npm run cli -- user:create --username NAME --role viewer|operator|admin
//   (the password comes from CODECALL_PASSWORD or, if that is unset, from standard input)
// npm run cli -- key:create --name NAME [--scopes submit,read]   prints the new key once
// npm run cli -- key:revoke --name NAME
import { parseArgs } from 'node:util';
import { API_SCOPES, createApiKey, revokeApiKey, type ApiScope } from '../src/app/api-keys.js';
import { createStaffUser, STAFF_ROLES, type StaffRole } from '../src/app/staff-auth.js';
import { loadDatabaseConfig } from '../src/config.js';
import { applyMigrations } from '../src/db/migrate.js';
import { migrationsDir, schemaPath } from '../src/db/paths.js';
import { createPrisma } from '../src/db/prisma.js';

const USAGE = 'usage: npm run cli -- user:create --username NAME --role viewer|operator|admin | key:create --name NAME [--scopes submit,read] | key:revoke --name NAME';
const [command, ...rest] = process.argv.slice(2);
const { values } = parseArgs({ args: rest, options: { username: { type: 'string' }, role: { type: 'string', default: 'admin' }, name: { type: 'string' }, scopes: { type: 'string', default: 'submit,read' } } });
const config = loadDatabaseConfig();
await applyMigrations({ databaseUrl: config.database.url, migrationsDir, schemaPath });
const prisma = createPrisma(config.database.url, 2);
try {
  switch (command) {
    case 'user:create': {
      if (!values.username || !(STAFF_ROLES as readonly string[]).includes(values.role)) throw new Error(`--username is required and --role must be one of ${STAFF_ROLES.join(', ')}`);
      const password = process.env.CODECALL_PASSWORD ?? (await readStdin()).trim();
      await createStaffUser(prisma, values.username, password, values.role as StaffRole);
      console.log(`created ${values.role} ${values.username}`);
      break;
    }
    case 'key:create': {
      const scopes = values.scopes.split(',').map((s) => s.trim());
      if (!values.name || !scopes.every((s) => (API_SCOPES as readonly string[]).includes(s))) throw new Error(`--name is required and --scopes takes ${API_SCOPES.join(', ')}`);
      console.log(await createApiKey(prisma, values.name, scopes as ApiScope[]));
      break;
    }
    case 'key:revoke':
      if (!values.name) throw new Error('--name is required');
      await revokeApiKey(prisma, values.name);
      console.log(`revoked ${values.name}`);
      break;
    default:
      throw new Error(USAGE);
  }
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
} finally {
  await prisma.$disconnect();
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
