-- Admin console (issue 14): how often the tenant's dialers sent each tabulation code, per UTC day, so the console can
-- say how many recent tabulations a rule change would have counted differently. Codes and counts only: no phone,
-- no call id. Rows older than the receipts' retention are useless and may be deleted with them.

-- CreateTable
CREATE TABLE "tabulation_usage" (
    "tenant_id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "calls" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "tabulation_usage_pkey" PRIMARY KEY ("tenant_id","code","day")
);

-- CreateIndex
CREATE INDEX "tabulation_usage_tenant_id_day_idx" ON "tabulation_usage"("tenant_id", "day");

-- AddForeignKey
ALTER TABLE "tabulation_usage" ADD CONSTRAINT "tabulation_usage_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
