-- Trust model of the shared history (docs/rules.md, server/domain/trust.ts): evidence per number and per source
-- (a keyed pseudonym of the tenant), the sources' reputation and quarantine, probation, and an audit log.

-- AlterTable
ALTER TABLE "number_history" ADD COLUMN "invalid_since_ms" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN "probation_until_ms" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN "strikes" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "reassigned_at_ms" BIGINT NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "number_evidence" (
    "pseudonym" BIGINT NOT NULL,
    "source" BIGINT NOT NULL,
    "weight" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "bucket" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "bucket_at_ms" BIGINT NOT NULL DEFAULT 0,
    "own_marks" INTEGER NOT NULL DEFAULT 0,
    "first_mark_at_ms" BIGINT NOT NULL DEFAULT 0,
    "last_mark_at_ms" BIGINT NOT NULL DEFAULT 0,
    "mark_days" INTEGER NOT NULL DEFAULT 0,
    "last_mark_day" INTEGER NOT NULL DEFAULT 0,
    "last_contact_at_ms" BIGINT NOT NULL DEFAULT 0,
    "contested_at_ms" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "number_evidence_pkey" PRIMARY KEY ("pseudonym","source")
);

-- CreateTable
CREATE TABLE "trust_sources" (
    "source" BIGINT NOT NULL,
    "marks" BIGINT NOT NULL DEFAULT 0,
    "contradicted" BIGINT NOT NULL DEFAULT 0,
    "quarantined_at" TIMESTAMPTZ(3),
    "quarantined_by" TEXT,
    "quarantine_reason" TEXT,

    CONSTRAINT "trust_sources_pkey" PRIMARY KEY ("source")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "tenant_id" UUID,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "reason" TEXT,
    "details" JSONB,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tenant_overrides" (
    "source" BIGINT NOT NULL,
    "pseudonym" BIGINT NOT NULL,
    "status" SMALLINT NOT NULL,
    "version" BIGINT NOT NULL,

    CONSTRAINT "tenant_overrides_pkey" PRIMARY KEY ("source","pseudonym")
);

-- CreateIndex
CREATE INDEX "tenant_overrides_version_idx" ON "tenant_overrides"("version");

-- CreateIndex
CREATE INDEX "number_evidence_source_idx" ON "number_evidence"("source");

-- CreateIndex
CREATE INDEX "audit_events_tenant_id_at_idx" ON "audit_events"("tenant_id", "at");

-- CreateIndex
CREATE INDEX "audit_events_at_idx" ON "audit_events"("at");

-- The history recorded before provenance: its counted score becomes the evidence of one legacy source (0),
-- which passed the old rules (a per-tenant daily cap, so at least two days or two tenants) and keeps its old
-- weight, uncapped, until it expires (server/domain/trust.ts, LEGACY_SOURCE).
INSERT INTO "number_evidence" ("pseudonym", "source", "weight", "own_marks", "first_mark_at_ms", "last_mark_at_ms", "mark_days", "last_contact_at_ms")
SELECT "pseudonym", 0, "invalid_score", 0,
       COALESCE((extract(epoch FROM "last_invalid_at") * 1000)::bigint, 0),
       COALESCE((extract(epoch FROM "last_invalid_at") * 1000)::bigint, 0),
       1, 0
FROM "number_history" WHERE "invalid_score" > 0;
UPDATE "number_history" SET "invalid_since_ms" = (extract(epoch FROM "status_changed_at") * 1000)::bigint WHERE "status" = 2;

-- DropTable: the per-(tenant, number) daily counters are replaced by number_evidence's rolling buckets.
DROP TABLE "number_contributions";
