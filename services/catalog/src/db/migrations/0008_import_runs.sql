-- The imports that ran to their end (schema.ts catalogImports). The start imported when no movie existed, so an
-- import cut off between its batch transactions (a stop during the first start) left a part of the catalogue that
-- every later start took for all of it; it now imports until one import has finished (an import is idempotent).
CREATE TABLE "catalog_imports" (
	"id" serial PRIMARY KEY NOT NULL,
	"finished_at" timestamp with time zone DEFAULT now() NOT NULL,
	"movies" integer NOT NULL,
	"inserted" integer NOT NULL,
	"updated" integer NOT NULL,
	"unchanged" integer NOT NULL
);--> statement-breakpoint
-- A catalogue that already holds movies was imported by the rule before this one: it counts as imported, so a start
-- after this migration does not import over movies an admin has changed or deleted since.
INSERT INTO "catalog_imports" ("movies", "inserted", "updated", "unchanged")
  SELECT count(*), 0, 0, count(*) FROM "movies" HAVING count(*) > 0;
