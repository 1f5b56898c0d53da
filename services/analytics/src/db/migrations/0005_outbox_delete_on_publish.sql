-- The relay now deletes each outbox row in the transaction that saw Kafka take it (platform-events relay.ts)
-- instead of setting published_at and pruning the row a day later: the outbox holds only rows still to publish.
-- Rows an earlier relay marked published go first, so none is published again once the column that said so is
-- dropped.
DELETE FROM "outbox" WHERE "published_at" IS NOT NULL;--> statement-breakpoint
DROP INDEX "outbox_unpublished_seq_idx";--> statement-breakpoint
DROP INDEX "outbox_published_at_idx";--> statement-breakpoint
CREATE INDEX "outbox_seq_idx" ON "outbox" USING btree ("seq");--> statement-breakpoint
ALTER TABLE "outbox" DROP COLUMN "published_at";
