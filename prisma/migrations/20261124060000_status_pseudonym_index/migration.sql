-- DropIndex
DROP INDEX "number_history_status_last_invalid_at_idx";

-- CreateIndex
CREATE INDEX "number_history_status_pseudonym_idx" ON "number_history"("status", "pseudonym");
