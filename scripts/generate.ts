// Runs `prisma generate` with no network. Every Prisma 7 CLI command first tries to download
// the native schema engine; generate never uses it, and the CLI skips the download when
// PRISMA_SCHEMA_ENGINE_BINARY names an existing file, so any file will do.
// Usage: tsx scripts/generate.ts
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../src/db/paths.js';

const prismaCli = fileURLToPath(new URL('../node_modules/prisma/build/index.js', import.meta.url));

const result = spawnSync(process.execPath, [prismaCli, 'generate', ...process.argv.slice(2)], {
  cwd: repoRoot,
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    // No usage ping to checkpoint.prisma.io: it cannot succeed here and only adds a wait.
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  },
});
process.exit(result.status ?? 1);
