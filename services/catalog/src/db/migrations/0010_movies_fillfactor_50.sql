-- Half of each movies page is left free (70 % before, migration 0006), so a counter update stays on its page (HOT)
-- even when every movie of a page is updated at once: with about five movies on a page at 70 %, room for two new
-- versions, the interactions bench (views in movie order, three partitions' chunks at a time) kept only 44–63 % of
-- its first pass's counter updates HOT, each other one adding an entry to each of the 14 indexes (4 GIN). New pages fill to 50 %;
-- pages already full keep their rows until an update moves them.
ALTER TABLE "movies" SET (fillfactor = 50);
