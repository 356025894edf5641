-- Suppression lists and calling hours (issue 13). Campaigns get a purpose, which decides the shared lists that apply;
-- mailings count the phones suppressed apart from hygiene. Entries hold keyed pseudonyms only, never a phone: shared
-- lists (national, state) under the pool's key, a tenant's and its campaigns' lists under a key of the tenant's own.

-- AlterTable
ALTER TABLE "campaigns" ADD COLUMN     "purpose" TEXT NOT NULL DEFAULT 'nao_informado';

-- AlterTable
ALTER TABLE "mailings" ADD COLUMN     "suppressed_phones" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "suppression_lists" (
    "id" UUID NOT NULL,
    "scope_key" TEXT NOT NULL,
    "tenant_id" UUID,
    "campaign_id" UUID,
    "kind" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "purposes" TEXT NOT NULL DEFAULT '',
    "version" INTEGER NOT NULL DEFAULT 0,
    "source" TEXT,
    "imported_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "suppression_lists_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "suppression_entries" (
    "id" UUID NOT NULL,
    "list_id" UUID NOT NULL,
    "pseudonym" BIGINT NOT NULL,
    "source" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "suppression_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "calling_hours" (
    "tenant_id" UUID NOT NULL,
    "scope" TEXT NOT NULL,
    "windows" JSONB NOT NULL,
    "updated_by" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "calling_hours_pkey" PRIMARY KEY ("tenant_id","scope")
);

-- CreateIndex
CREATE UNIQUE INDEX "suppression_lists_scope_key_key" ON "suppression_lists"("scope_key");

-- CreateIndex
CREATE INDEX "suppression_lists_tenant_id_idx" ON "suppression_lists"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "suppression_entries_list_id_pseudonym_key" ON "suppression_entries"("list_id", "pseudonym");

-- CreateIndex
CREATE INDEX "suppression_entries_list_id_created_at_idx" ON "suppression_entries"("list_id", "created_at");

-- AddForeignKey
ALTER TABLE "suppression_lists" ADD CONSTRAINT "suppression_lists_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "suppression_lists" ADD CONSTRAINT "suppression_lists_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "suppression_entries" ADD CONSTRAINT "suppression_entries_list_id_fkey" FOREIGN KEY ("list_id") REFERENCES "suppression_lists"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "calling_hours" ADD CONSTRAINT "calling_hours_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
