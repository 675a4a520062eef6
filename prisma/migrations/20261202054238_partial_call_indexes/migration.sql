-- DropIndex
DROP INDEX "call_campaign_id_outcome_idx";

-- DropIndex
DROP INDEX "call_prompt_status_campaign_id_seq_idx";

-- DropIndex
DROP INDEX "call_prompt_placed_idx";

-- DropIndex
DROP INDEX "call_finished_at_idx";

-- CreateIndex
CREATE INDEX "call_campaign_id_outcome_idx" ON "call"("campaign_id", "outcome") WHERE (outcome IS NOT NULL);

-- CreateIndex
CREATE INDEX "call_prompt_status_campaign_id_seq_idx" ON "call"("prompt_status", "campaign_id", "seq") WHERE (prompt_status <> 'none');

-- CreateIndex
CREATE INDEX "call_prompt_placed_idx" ON "call"("prompt_placed") WHERE (prompt_placed);

-- CreateIndex
CREATE INDEX "call_finished_at_idx" ON "call"("finished_at") WHERE (finished_at IS NOT NULL);
