-- Right party (issue 12): canonical outcomes for "falou com o titular" and "número de outra pessoa", each tenant's
-- contact–phone states under tenant-keyed pseudonyms, the network's "answered recently" signal, and the per-mailing
-- Qualificado / Não qualificado / Inativo counts. Added enum values are not used in this transaction.

-- AlterEnum
ALTER TYPE "Outcome" ADD VALUE 'right_party';
ALTER TYPE "Outcome" ADD VALUE 'wrong_party';

-- CreateTable
CREATE TABLE "right_party_states" (
    "tenant_id" UUID NOT NULL,
    "pair" BIGINT NOT NULL,
    "contact" BIGINT NOT NULL,
    "state" SMALLINT NOT NULL,
    "changed_at_ms" BIGINT NOT NULL,

    CONSTRAINT "right_party_states_pkey" PRIMARY KEY ("tenant_id","pair")
);

-- CreateIndex
CREATE INDEX "right_party_states_tenant_id_contact_idx" ON "right_party_states"("tenant_id", "contact");

-- AddForeignKey
ALTER TABLE "right_party_states" ADD CONSTRAINT "right_party_states_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "number_answers" (
    "pseudonym" BIGINT NOT NULL,
    "source" BIGINT NOT NULL,
    "answered_at_ms" BIGINT NOT NULL,

    CONSTRAINT "number_answers_pkey" PRIMARY KEY ("pseudonym","source")
);

-- CreateIndex
CREATE INDEX "number_answers_answered_at_ms_idx" ON "number_answers"("answered_at_ms");

-- AlterTable
ALTER TABLE "mailings" ADD COLUMN     "right_party_qualified" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "right_party_not_qualified" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "right_party_inactive" INTEGER NOT NULL DEFAULT 0;
