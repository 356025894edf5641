-- Corroboration-rate reputation (docs/rules.md, "Who weighs"): per number and source, whether another source in
-- good standing marked the number during the source's current streak; per source, the weight it put on numbers and
-- the share of it others corroborated. Existing evidence starts uncorroborated and existing sources with nothing in
-- the new ledger, so every source starts with the benefit of the doubt (reputationMinMarks) and earns its weight anew.

-- AlterTable
ALTER TABLE "number_evidence" ADD COLUMN "corroborated" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "trust_sources" ADD COLUMN "marked_weight" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN "corroborated_weight" DOUBLE PRECISION NOT NULL DEFAULT 0;
