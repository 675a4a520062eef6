-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "Outcome" ADD VALUE 'expired';
ALTER TYPE "Outcome" ADD VALUE 'suppressed';
ALTER TYPE "Outcome" ADD VALUE 'opted_out';

-- AlterTable
ALTER TABLE "campaign" ADD COLUMN     "blocked_dates" TEXT[],
ADD COLUMN     "not_after" TIMESTAMPTZ(3),
ADD COLUMN     "number_gap_seconds" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "opt_out_key" TEXT,
ADD COLUMN     "priority" INTEGER NOT NULL DEFAULT 5,
ADD COLUMN     "retry_rules" JSONB;

-- AlterTable
ALTER TABLE "call" ADD COLUMN     "code_expires_at" TIMESTAMPTZ(3),
ADD COLUMN     "not_after" TIMESTAMPTZ(3),
ADD COLUMN     "timezone" TEXT,
ADD COLUMN     "wait_reason" TEXT;

-- CreateTable
CREATE TABLE "suppression" (
    "phone" TEXT NOT NULL,
    "reason" TEXT,
    "source" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "suppression_pkey" PRIMARY KEY ("phone")
);

-- Kept by hand (partial index): the deadline sweep reads waiting calls by deadline.
CREATE INDEX "call_pending_not_after_idx" ON "call"("not_after") WHERE "status" = 'pending' AND "not_after" IS NOT NULL;
