-- CreateTable
CREATE TABLE "callback_delivery" (
    "id" UUID NOT NULL,
    "campaign_id" UUID NOT NULL,
    "call_id" UUID,
    "event" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_status" INTEGER,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "callback_delivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "callback_delivery_state_next_attempt_at_idx" ON "callback_delivery"("state", "next_attempt_at");

-- CreateIndex
CREATE INDEX "callback_delivery_call_id_idx" ON "callback_delivery"("call_id");

-- CreateIndex
CREATE INDEX "callback_delivery_campaign_id_idx" ON "callback_delivery"("campaign_id");
