-- The outbox keeps each event as the JSON text the service wrote (json), not parsed into jsonb: nothing looks inside
-- a row here (the relay reads it whole as text and deletes it once Kafka has it), and jsonb built its binary form on
-- every insert (keys sorted, each number a numeric) only for the relay to print it back, with a space added after
-- every colon and comma, into a larger Kafka message. For a recommendations.generated row (50 picks, about 3.4 KB)
-- that was 210–275 µs of PostgreSQL CPU per row against 95–150 µs as json; a short interaction event, about 5 µs.
-- A row of up to a page stays whole in it (toast_tuple_target) rather than being compressed into TOAST for the few
-- milliseconds it lives.
ALTER TABLE "outbox" ALTER COLUMN "payload" SET DATA TYPE json USING "payload"::json;--> statement-breakpoint
ALTER TABLE "outbox" SET (toast_tuple_target = 8160);
