-- CreateIndex
CREATE INDEX "pbx_report_call_id_idx" ON "pbx_report"("call_id");
