-- DropIndex
DROP INDEX "pbx_report_pbx_call_id_idx";

-- CreateIndex
CREATE INDEX "pbx_report_unprocessed_pbx_call_id_idx" ON "pbx_report"("pbx_call_id") WHERE (processed_at IS NULL);

-- CreateIndex
CREATE INDEX "pbx_report_unprocessed_leg_id_idx" ON "pbx_report"("leg_id") WHERE (processed_at IS NULL);

-- CreateIndex
CREATE INDEX "pbx_report_unprocessed_phone_idx" ON "pbx_report"("phone") WHERE (processed_at IS NULL);
