import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { API_SCOPES, createApiKey, revokeApiKey, type ApiScope } from '../app/api-keys.js';
import { recordAudit } from '../app/audit.js';
import { createStaffUser, STAFF_ROLES, type StaffRole } from '../app/staff-auth.js';
import { loadDatabaseConfig } from '../config.js';
import { applyMigrations } from '../db/migrate.js';
import { migrationsDir, schemaPath } from '../db/paths.js';
import { createDb } from '../db/prisma.js';

/** user:create, key:create, key:revoke: accounts kept in the database. */
export async function run([command, ...rest]: string[]): Promise<void> {
  const { values } = parseArgs({ args: rest, options: { username: { type: 'string' }, role: { type: 'string', default: 'admin' }, name: { type: 'string' }, scopes: { type: 'string', default: 'submit,read' } } });
  const config = loadDatabaseConfig();
  await applyMigrations({ databaseUrl: config.database.url, migrationsDir, schemaPath });
  const prisma = createDb(config.database.url, 2);
  const audit = (action: string, target: string, detail?: Record<string, unknown>) => recordAudit(prisma, { actor: `cli:${userInfo().username}`, action, target, detail });
  try {
    switch (command) {
      case 'user:create': {
        if (!values.username || !(STAFF_ROLES as readonly string[]).includes(values.role)) throw new Error(`--username is required and --role must be one of ${STAFF_ROLES.join(', ')}`);
        const password = process.env.CODECALL_PASSWORD ?? (await readStdin()).trim();
        await createStaffUser(prisma, values.username, password, values.role as StaffRole);
        await audit('user.create', values.username, { role: values.role });
        console.log(`created ${values.role} ${values.username}`);
        break;
      }
      case 'key:create': {
        const scopes = values.scopes.split(',').map((s) => s.trim());
        if (!values.name || !scopes.every((s) => (API_SCOPES as readonly string[]).includes(s))) throw new Error(`--name is required and --scopes takes ${API_SCOPES.join(', ')}`);
        console.log(await createApiKey(prisma, values.name, scopes as ApiScope[]));
        await audit('key.create', values.name, { scopes });
        break;
      }
      case 'key:revoke':
        if (!values.name) throw new Error('--name is required');
        await revokeApiKey(prisma, values.name);
        await audit('key.revoke', values.name);
        console.log(`revoked ${values.name}`);
        break;
    }
  } finally {
    await prisma.$disconnect();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
