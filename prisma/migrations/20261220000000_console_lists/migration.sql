-- Admin console lists (issue 14): events that a client can repeat at will (a refused mailing upload) are coalesced,
-- one row per key and minute with a count in `details`, so a tenant cannot flood the audit log. The key is written
-- only by AuditLog.recordCoalesced; every other event keeps it NULL (a unique index allows any number of NULLs).

-- AlterTable
ALTER TABLE "audit_events" ADD COLUMN "coalesce_key" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "audit_events_coalesce_key_key" ON "audit_events"("coalesce_key");
