-- AlterTable
ALTER TABLE "campaign" ADD COLUMN     "prompt_template" TEXT,
ADD COLUMN     "voice" TEXT NOT NULL DEFAULT 'zh';

-- AlterTable
ALTER TABLE "call" ADD COLUMN     "prompt_at" TIMESTAMPTZ(3),
ADD COLUMN     "prompt_placed" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "prompt_status" TEXT NOT NULL DEFAULT 'none';

-- CreateIndex
CREATE INDEX "call_prompt_status_campaign_id_seq_idx" ON "call"("prompt_status", "campaign_id", "seq");

-- CreateIndex
CREATE INDEX "call_prompt_placed_idx" ON "call"("prompt_placed");
