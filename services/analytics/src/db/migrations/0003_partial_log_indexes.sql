-- Impressions (50 rows per recommendations.generated) carry no session and no source, interaction rows no session:
-- the seed's session and source indexes now hold only the rows that have one, so those inserts skip both.
-- Every query tests these columns by equality, which implies IS NOT NULL, so each still uses its index.
DROP INDEX "user_activity_logs_session_idx";
--> statement-breakpoint
CREATE INDEX "user_activity_logs_session_idx" ON "user_activity_logs" ("session_id") WHERE "session_id" IS NOT NULL;
--> statement-breakpoint
DROP INDEX "user_activity_logs_source_idx";
--> statement-breakpoint
CREATE INDEX "user_activity_logs_source_idx" ON "user_activity_logs" ("source") WHERE "source" IS NOT NULL;
