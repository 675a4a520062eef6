import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMigration } from '../../src/db/create-migration.js';

const DATASOURCE = 'datasource db {\n  provider = "postgresql"\n}\n';
const V1 = `${DATASOURCE}\nmodel Widget {\n  id   String @id\n  name String\n}\n`;
const V2 = `${DATASOURCE}\nmodel Widget {\n  id   String @id\n  name String\n  size Int?\n\n  @@index([name])\n}\n`;

const roots: string[] = [];
afterAll(() => Promise.all(roots.map((dir) => rm(dir, { recursive: true, force: true }))));

async function project(schema: string) {
  const root = await mkdtemp(path.join(tmpdir(), 'codecall-create-migration-'));
  roots.push(root);
  const schemaPath = path.join(root, 'schema.prisma');
  await writeFile(schemaPath, schema);
  return { root, schemaPath, migrationsDir: path.join(root, 'migrations') };
}

describe('createMigration', { timeout: 30_000 }, () => {
  it('writes the first migration from an empty database, with the schema copy and the lock file', async () => {
    const p = await project(V1);

    const result = await createMigration({ ...p, name: 'Init', now: new Date('2025-01-02T03:04:05Z') });

    expect(result).toMatchObject({ created: true, name: '20250102030405_init' });
    const dir = path.join(p.migrationsDir, '20250102030405_init');
    expect(await readFile(path.join(dir, 'migration.sql'), 'utf8')).toMatch(/CREATE TABLE "Widget"/);
    expect(await readFile(path.join(dir, 'schema.prisma'), 'utf8')).toBe(V1);
    expect(await readFile(path.join(p.migrationsDir, 'migration_lock.toml'), 'utf8')).toMatch(/^provider = "postgresql"$/m);
  });

  it('writes only the difference from the schema the last migration led to', async () => {
    const p = await project(V1);
    await createMigration({ ...p, name: 'init', now: new Date('2025-01-01T00:00:00Z') });
    await writeFile(p.schemaPath, V2);

    const result = await createMigration({ ...p, name: 'widget size', now: new Date('2025-01-02T00:00:00Z') });

    expect(result.created && result.name).toBe('20250102000000_widget_size');
    const sql = result.created ? result.sql : '';
    expect(sql).toMatch(/ALTER TABLE "Widget" ADD COLUMN\s+"size" INTEGER/);
    expect(sql).toMatch(/CREATE INDEX "Widget_name_idx"/);
    expect(sql).not.toMatch(/CREATE TABLE/);
  });

  it('reports no changes and writes nothing when the schema has not changed', async () => {
    const p = await project(V1);
    await createMigration({ ...p, name: 'init', now: new Date('2025-01-01T00:00:00Z') });

    const result = await createMigration({ ...p, name: 'again', now: new Date('2025-01-02T00:00:00Z') });

    expect(result).toEqual({ created: false });
    expect(await readdir(p.migrationsDir)).toEqual(['20250101000000_init', 'migration_lock.toml']);
  });

  it('refuses a migration that would sort before the latest one', async () => {
    const p = await project(V1);
    await createMigration({ ...p, name: 'init', now: new Date('2025-01-02T00:00:00Z') });
    await writeFile(p.schemaPath, V2);

    await expect(createMigration({ ...p, name: 'late', now: new Date('2025-01-01T00:00:00Z') })).rejects.toThrow(/sort before/);
  });

  it('refuses to guess when the last migration has no schema copy', async () => {
    const p = await project(V1);
    await createMigration({ ...p, name: 'init', now: new Date('2025-01-01T00:00:00Z') });
    await rm(path.join(p.migrationsDir, '20250101000000_init', 'schema.prisma'));

    await expect(createMigration({ ...p, name: 'next', now: new Date('2025-01-02T00:00:00Z') })).rejects.toThrow(/schema.prisma is missing/);
  });
});
