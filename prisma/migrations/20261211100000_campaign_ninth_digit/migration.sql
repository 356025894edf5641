-- Legacy mobiles (issue 12): a mobile written before the ninth digit (DDD + 8 digits starting 6-9) is upgraded with
-- the 9 by the mailing filter unless the campaign turns it off; each mailing counts the phones it upgraded.

-- AlterTable
ALTER TABLE "campaigns" ADD COLUMN     "ninth_digit" BOOLEAN NOT NULL DEFAULT true;

-- AlterTable
ALTER TABLE "mailings" ADD COLUMN     "ninth_digit_added" INTEGER NOT NULL DEFAULT 0;
