-- The shared history keeps evidence against numbers: neutral outcomes (busy, no answer…) never change a
-- verdict, so they are counted in the campaign tallies only, and rows exist once a number got an invalid mark.
-- AlterTable
ALTER TABLE "number_history" DROP COLUMN "neutral_reports";
