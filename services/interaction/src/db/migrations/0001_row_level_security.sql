-- Defence in depth (ARCHITECTURE §5): a transaction sees and writes only the rows of the user it set in
-- marquee.user_id, unless it says it acts for every user (consumers, imports, GDPR). FORCE applies it to the
-- table owner too; only a superuser or BYPASSRLS role skips it.
ALTER TABLE "user_movie_interactions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "user_movie_interactions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "user_movie_interactions_owner" ON "user_movie_interactions"
  USING (current_setting('marquee.all_users', true) = 'on' OR user_id::text = current_setting('marquee.user_id', true))
  WITH CHECK (current_setting('marquee.all_users', true) = 'on' OR user_id::text = current_setting('marquee.user_id', true));
