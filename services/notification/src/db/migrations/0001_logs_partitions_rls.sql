-- notification_logs partitioned by quarter (drizzle-kit cannot express partitioning); partitions are added by the partition job.
CREATE TABLE "notification_logs" (
	"id" uuid NOT NULL,
	-- Millisecond precision: signed links and cursors carry created_at as an ISO string and must match it exactly.
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', now()) NOT NULL,
	"user_id" uuid NOT NULL,
	"notification_type" text NOT NULL,
	"kind" text NOT NULL,
	"subject" text DEFAULT '' NOT NULL,
	"content" text DEFAULT '' NOT NULL,
	"recipient" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"external_id" text,
	"error_message" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"payload" jsonb NOT NULL,
	"sent_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"opened_at" timestamp with time zone,
	"clicked_at" timestamp with time zone,
	CONSTRAINT "notification_logs_pk" PRIMARY KEY ("id", "created_at"),
	CONSTRAINT "notification_logs_type_check" CHECK ("notification_type" in ('email', 'push')),
	CONSTRAINT "notification_logs_kind_check" CHECK ("kind" in ('weekly_digest', 'recommendation_alert', 'trending_alert')),
	CONSTRAINT "notification_logs_status_check" CHECK ("status" in ('pending', 'sent', 'delivered', 'failed', 'opened', 'clicked'))
) PARTITION BY RANGE ("created_at");
--> statement-breakpoint
-- The delivery worker's queue: due pending rows only.
CREATE INDEX "notification_logs_due_idx" ON "notification_logs" ("next_attempt_at") WHERE "status" = 'pending';
--> statement-breakpoint
CREATE INDEX "notification_logs_user_idx" ON "notification_logs" ("user_id", "created_at" DESC);
--> statement-breakpoint
-- Row-level security (the platform's one policy): a request sees only its user's rows; consumers and jobs opt in to all.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['notification_preferences', 'recipients', 'digest_claims', 'alert_counts', 'alerted_movies', 'notification_logs'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY %I ON %I USING (current_setting(''marquee.all_users'', true) = ''on'' OR user_id::text = current_setting(''marquee.user_id'', true)) WITH CHECK (current_setting(''marquee.all_users'', true) = ''on'' OR user_id::text = current_setting(''marquee.user_id'', true))',
      t || '_owner', t);
  END LOOP;
END $$;
