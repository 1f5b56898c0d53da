-- Only clicked rows are ever looked up by clicked (CTR, a user's clicks); no query asks for clicked = false, which
-- is nearly every row, so a full index on it cost one entry per written row and served nothing more.
DROP INDEX IF EXISTS "user_recommendations_clicked_idx";
--> statement-breakpoint
CREATE INDEX "user_recommendations_clicked_idx" ON "user_recommendations" USING btree ("clicked") WHERE "clicked";
