-- National scale (issue 15): the status index's start-up load (server/services/statusLoad.ts) reads every non-clean
-- row of number_history with a binary COPY. With status_version in this index, that read is an index-only scan of the
-- index's non-clean part instead of a sequential scan of the whole heap: at 100M numbers (20M not clean; heap 12 GB)
-- PostgreSQL alone took 11 s instead of 16 s for it, and the rows come in pseudonym order per status, which the status
-- table fills front to back. The keyset pages of the embedded database use the same index (its first two columns).
-- On a large live history, build the index beforehand with CREATE INDEX CONCURRENTLY under this name: this migration
-- then only drops the old one.

-- DropIndex
DROP INDEX IF EXISTS "number_history_status_pseudonym_idx";

-- CreateIndex
CREATE INDEX IF NOT EXISTS "number_history_status_pseudonym_status_version_idx" ON "number_history"("status", "pseudonym", "status_version");
