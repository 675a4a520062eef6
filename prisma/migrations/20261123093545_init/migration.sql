-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "CampaignStatus" AS ENUM ('running', 'paused', 'completed', 'cancelled');

-- CreateEnum
CREATE TYPE "CallStatus" AS ENUM ('pending', 'dialling', 'ringing', 'answered', 'confirmed', 'routed', 'done');

-- CreateEnum
CREATE TYPE "Outcome" AS ENUM ('verified', 'code_failed', 'declined', 'abandoned', 'no_answer', 'busy', 'failed', 'cancelled');

-- CreateTable
CREATE TABLE "campaign" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "status" "CampaignStatus" NOT NULL DEFAULT 'running',
    "max_concurrent" INTEGER NOT NULL,
    "calls_per_second" DOUBLE PRECISION NOT NULL,
    "max_code_attempts" INTEGER NOT NULL,
    "max_dial_attempts" INTEGER NOT NULL,
    "retry_delay_seconds" INTEGER NOT NULL,
    "window_start" TEXT,
    "window_end" TEXT,
    "window_timezone" TEXT,
    "window_days" INTEGER[],
    "callback_url" TEXT,
    "idempotency_key" TEXT,
    "request_hash" TEXT,
    "total_calls" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "campaign_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "call" (
    "id" UUID NOT NULL,
    "campaign_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "phone" TEXT NOT NULL,
    "code_hash" TEXT NOT NULL,
    "prompt" TEXT,
    "ref" TEXT,
    "status" "CallStatus" NOT NULL DEFAULT 'pending',
    "outcome" "Outcome",
    "dial_attempts" INTEGER NOT NULL DEFAULT 0,
    "code_attempts" INTEGER NOT NULL DEFAULT 0,
    "next_dial_at" TIMESTAMPTZ(3),
    "last_failure" TEXT,
    "attempt" JSONB,
    "last_event_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "call_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "dial_attempt" (
    "id" BIGSERIAL NOT NULL,
    "call_id" UUID NOT NULL,
    "no" INTEGER NOT NULL,
    "phone" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "pbx_call_id" TEXT,
    "leg_id" TEXT,
    "result" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "answered_at" TIMESTAMPTZ(3),
    "ended_at" TIMESTAMPTZ(3),

    CONSTRAINT "dial_attempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "call_event" (
    "id" BIGSERIAL NOT NULL,
    "call_id" UUID NOT NULL,
    "attempt_no" INTEGER,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "detail" JSONB,

    CONSTRAINT "call_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pbx_report" (
    "id" BIGSERIAL NOT NULL,
    "dedup_key" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "action" TEXT NOT NULL,
    "pbx_call_id" TEXT,
    "leg_id" TEXT,
    "phone" TEXT,
    "event" JSONB NOT NULL,
    "call_id" UUID,
    "processed_at" TIMESTAMPTZ(3),
    "error" TEXT,

    CONSTRAINT "pbx_report_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "routing_action" (
    "id" BIGSERIAL NOT NULL,
    "call_id" UUID NOT NULL,
    "attempt_no" INTEGER NOT NULL,
    "entry" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "target" TEXT,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "routing_action_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "campaign_idempotency_key_key" ON "campaign"("idempotency_key");

-- CreateIndex
CREATE INDEX "campaign_status_idx" ON "campaign"("status");

-- CreateIndex
CREATE INDEX "call_campaign_id_status_idx" ON "call"("campaign_id", "status");

-- CreateIndex
CREATE INDEX "call_campaign_id_outcome_idx" ON "call"("campaign_id", "outcome");

-- CreateIndex
CREATE INDEX "call_status_next_dial_at_idx" ON "call"("status", "next_dial_at");

-- CreateIndex
CREATE INDEX "call_phone_idx" ON "call"("phone");

-- CreateIndex
CREATE UNIQUE INDEX "call_campaign_id_seq_key" ON "call"("campaign_id", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "call_campaign_id_ref_key" ON "call"("campaign_id", "ref");

-- CreateIndex
CREATE INDEX "dial_attempt_pbx_call_id_idx" ON "dial_attempt"("pbx_call_id");

-- CreateIndex
CREATE INDEX "dial_attempt_leg_id_idx" ON "dial_attempt"("leg_id");

-- CreateIndex
CREATE INDEX "dial_attempt_phone_state_idx" ON "dial_attempt"("phone", "state");

-- CreateIndex
CREATE UNIQUE INDEX "dial_attempt_call_id_no_key" ON "dial_attempt"("call_id", "no");

-- CreateIndex
CREATE INDEX "call_event_call_id_id_idx" ON "call_event"("call_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "pbx_report_dedup_key_key" ON "pbx_report"("dedup_key");

-- CreateIndex
CREATE INDEX "pbx_report_processed_at_id_idx" ON "pbx_report"("processed_at", "id");

-- CreateIndex
CREATE INDEX "pbx_report_pbx_call_id_idx" ON "pbx_report"("pbx_call_id");

-- CreateIndex
CREATE INDEX "routing_action_state_created_at_idx" ON "routing_action"("state", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "routing_action_call_id_attempt_no_entry_key" ON "routing_action"("call_id", "attempt_no", "entry");

-- AddForeignKey
ALTER TABLE "call" ADD CONSTRAINT "call_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaign"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "dial_attempt" ADD CONSTRAINT "dial_attempt_call_id_fkey" FOREIGN KEY ("call_id") REFERENCES "call"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "call_event" ADD CONSTRAINT "call_event_call_id_fkey" FOREIGN KEY ("call_id") REFERENCES "call"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Not expressible in schema.prisma, so kept by hand; schema-to-schema diffs leave them alone.
-- A number is never in two live calls at once, whatever process claims it.
CREATE UNIQUE INDEX "call_active_phone_key" ON "call"("phone") WHERE "status" IN ('dialling', 'ringing', 'answered', 'confirmed', 'routed');
-- The dispatcher's claim reads waiting calls of a campaign in batch order.
CREATE INDEX "call_pending_seq_idx" ON "call"("campaign_id", "seq") WHERE "status" = 'pending';
