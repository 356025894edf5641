-- Anatel short-call meter (issue 13, docs/compliance.md): the tenant's CNPJs and access codes, per-day counters of
-- its reported calls per CNPJ and access code, the dials hygiene prevented, and the alerts sent. Counts only: no
-- phone, no call id. Rows carry the CNPJ's digits (not a reference) so a day's history outlives a CNPJ's removal;
-- '' is "sem CNPJ" / "sem código de acesso".

-- CreateTable
CREATE TABLE "compliance_cnpjs" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "cnpj" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "compliance_cnpjs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "compliance_access_codes" (
    "tenant_id" UUID NOT NULL,
    "access_code" TEXT NOT NULL,
    "cnpj_id" UUID NOT NULL,

    CONSTRAINT "compliance_access_codes_pkey" PRIMARY KEY ("tenant_id","access_code")
);

-- CreateTable
CREATE TABLE "compliance_campaign_cnpjs" (
    "campaign_id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "cnpj_id" UUID NOT NULL,

    CONSTRAINT "compliance_campaign_cnpjs_pkey" PRIMARY KEY ("campaign_id")
);

-- CreateTable
CREATE TABLE "compliance_daily" (
    "tenant_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "cnpj" TEXT NOT NULL,
    "access_code" TEXT NOT NULL,
    "calls" INTEGER NOT NULL DEFAULT 0,
    "short_calls" INTEGER NOT NULL DEFAULT 0,
    "unknown_calls" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "compliance_daily_pkey" PRIMARY KEY ("tenant_id","day","cnpj","access_code")
);

-- CreateTable
CREATE TABLE "compliance_avoided_daily" (
    "tenant_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "cnpj" TEXT NOT NULL,
    "avoided" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "compliance_avoided_daily_pkey" PRIMARY KEY ("tenant_id","day","cnpj")
);

-- CreateTable
CREATE TABLE "compliance_alerts" (
    "tenant_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "scope" TEXT NOT NULL,
    "cnpj" TEXT NOT NULL,
    "access_code" TEXT NOT NULL,
    "level" TEXT NOT NULL,
    "calls" INTEGER NOT NULL,
    "short_calls" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "compliance_alerts_pkey" PRIMARY KEY ("tenant_id","day","scope","cnpj","access_code","level")
);

-- CreateIndex
CREATE UNIQUE INDEX "compliance_cnpjs_tenant_id_cnpj_key" ON "compliance_cnpjs"("tenant_id", "cnpj");

-- CreateIndex
CREATE INDEX "compliance_access_codes_cnpj_id_idx" ON "compliance_access_codes"("cnpj_id");

-- CreateIndex
CREATE INDEX "compliance_campaign_cnpjs_cnpj_id_idx" ON "compliance_campaign_cnpjs"("cnpj_id");

-- CreateIndex
CREATE INDEX "compliance_alerts_tenant_id_delivered_at_idx" ON "compliance_alerts"("tenant_id", "delivered_at");

-- AddForeignKey
ALTER TABLE "compliance_access_codes" ADD CONSTRAINT "compliance_access_codes_cnpj_id_fkey" FOREIGN KEY ("cnpj_id") REFERENCES "compliance_cnpjs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "compliance_campaign_cnpjs" ADD CONSTRAINT "compliance_campaign_cnpjs_cnpj_id_fkey" FOREIGN KEY ("cnpj_id") REFERENCES "compliance_cnpjs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
