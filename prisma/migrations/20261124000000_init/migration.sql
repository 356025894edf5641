-- CreateEnum
CREATE TYPE "Outcome" AS ENUM ('invalid', 'contact', 'neutral');

-- CreateTable
CREATE TABLE "tenants" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "admin_users" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "admin_users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "dialer_keys" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),
    "revoked_by" TEXT,
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "dialer_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "campaigns" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "hygiene_enabled" BOOLEAN NOT NULL DEFAULT false,
    "hygiene_changed_at" TIMESTAMPTZ(3),
    "hygiene_changed_by" TEXT,
    "reported_invalid" BIGINT NOT NULL DEFAULT 0,
    "reported_contact" BIGINT NOT NULL DEFAULT 0,
    "reported_neutral" BIGINT NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "campaigns_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "campaign_events" (
    "id" BIGSERIAL NOT NULL,
    "campaign_id" UUID NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "campaign_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tabulation_codes" (
    "tenant_id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "outcome" "Outcome" NOT NULL,
    "updated_by" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tabulation_codes_pkey" PRIMARY KEY ("tenant_id","code")
);

-- CreateTable
CREATE TABLE "mailings" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "campaign_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "hygiene_applied" BOOLEAN NOT NULL,
    "status" TEXT NOT NULL,
    "total_rows" INTEGER NOT NULL DEFAULT 0,
    "kept_rows" INTEGER NOT NULL DEFAULT 0,
    "dropped_rows" INTEGER NOT NULL DEFAULT 0,
    "malformed_rows" INTEGER NOT NULL DEFAULT 0,
    "phones_total" INTEGER NOT NULL DEFAULT 0,
    "invalid_phones" INTEGER NOT NULL DEFAULT 0,
    "unconfirmed_phones" INTEGER NOT NULL DEFAULT 0,
    "malformed_phones" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "mailings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "number_history" (
    "pseudonym" BIGINT NOT NULL,
    "status" SMALLINT NOT NULL DEFAULT 0,
    "invalid_score" INTEGER NOT NULL DEFAULT 0,
    "invalid_reports" INTEGER NOT NULL DEFAULT 0,
    "contact_reports" INTEGER NOT NULL DEFAULT 0,
    "neutral_reports" INTEGER NOT NULL DEFAULT 0,
    "last_invalid_at" TIMESTAMPTZ(3),
    "last_contact_at" TIMESTAMPTZ(3),
    "status_version" BIGINT NOT NULL DEFAULT 0,
    "status_changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "number_history_pkey" PRIMARY KEY ("pseudonym")
);

-- CreateTable
CREATE TABLE "number_contributions" (
    "pseudonym" BIGINT NOT NULL,
    "contributor" BIGINT NOT NULL,
    "day" INTEGER NOT NULL,
    "day_marks" INTEGER NOT NULL,

    CONSTRAINT "number_contributions_pkey" PRIMARY KEY ("pseudonym","contributor")
);

-- CreateTable
CREATE TABLE "call_receipts" (
    "call_key" UUID NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "call_receipts_pkey" PRIMARY KEY ("call_key")
);

-- CreateIndex
CREATE UNIQUE INDEX "tenants_slug_key" ON "tenants"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "admin_users_email_key" ON "admin_users"("email");

-- CreateIndex
CREATE INDEX "admin_users_tenant_id_idx" ON "admin_users"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "dialer_keys_prefix_key" ON "dialer_keys"("prefix");

-- CreateIndex
CREATE INDEX "dialer_keys_tenant_id_idx" ON "dialer_keys"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "campaigns_tenant_id_external_id_key" ON "campaigns"("tenant_id", "external_id");

-- CreateIndex
CREATE INDEX "campaign_events_campaign_id_at_idx" ON "campaign_events"("campaign_id", "at");

-- CreateIndex
CREATE INDEX "mailings_tenant_id_created_at_idx" ON "mailings"("tenant_id", "created_at");

-- CreateIndex
CREATE INDEX "mailings_campaign_id_created_at_idx" ON "mailings"("campaign_id", "created_at");

-- CreateIndex
CREATE INDEX "number_history_status_version_idx" ON "number_history"("status_version");

-- CreateIndex
CREATE INDEX "number_history_status_last_invalid_at_idx" ON "number_history"("status", "last_invalid_at");

-- CreateIndex
CREATE INDEX "call_receipts_received_at_idx" ON "call_receipts"("received_at");

-- AddForeignKey
ALTER TABLE "admin_users" ADD CONSTRAINT "admin_users_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "dialer_keys" ADD CONSTRAINT "dialer_keys_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "campaign_events" ADD CONSTRAINT "campaign_events_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tabulation_codes" ADD CONSTRAINT "tabulation_codes_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mailings" ADD CONSTRAINT "mailings_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mailings" ADD CONSTRAINT "mailings_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Not expressible in schema.prisma: the sequence that orders status changes (see number_history.status_version).
CREATE SEQUENCE "status_version_seq";
