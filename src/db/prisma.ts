import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.js';

export type { PrismaClient };

/** Prisma 7 talks to PostgreSQL through node-postgres; no native query engine is involved. */
export function createPrisma(databaseUrl: string, poolSize = 20): PrismaClient {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl, max: poolSize }),
    // A busy pool is a wait, not an error: jobs queue for a connection rather than fail.
    transactionOptions: { maxWait: 10_000, timeout: 30_000 },
  });
}

/** The client handed to an interactive transaction's callback. */
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];
