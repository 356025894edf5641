-- Not expressible in schema.prisma. Most tabulations change a number's counters but not its status, so the new
-- row version can stay on the same page (a HOT update, no index writes) if the page has room for it.
ALTER TABLE "number_history" SET (fillfactor = 85);
