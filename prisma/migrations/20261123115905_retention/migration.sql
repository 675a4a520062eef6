-- AlterTable
ALTER TABLE "call" ADD COLUMN     "anonymized_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "call_finished_at_idx" ON "call"("finished_at");
