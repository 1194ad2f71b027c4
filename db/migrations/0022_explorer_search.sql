-- Substring search for the explorer (issue 19). pg_trgm is a trusted extension (PostgreSQL 13+), shipped
-- with the machine's PostgreSQL and embedded-postgres.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
-- Every string inside a JSON value (at any depth, in document order), one per line; '' for none.
-- IMMUTABLE (jsonb_path_query without _tz is), so a generated column may call it.
CREATE OR REPLACE FUNCTION keel_json_strings(j jsonb) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT coalesce(string_agg(s #>> '{}', chr(10)), '') FROM jsonb_path_query(j, 'strict $.** ? (@.type() == "string")') s $$;--> statement-breakpoint
ALTER TABLE "traces" ADD COLUMN "search_text" text GENERATED ALWAYS AS (left(keel_json_strings(input), 5000) || chr(10) || left(keel_json_strings(output), 5000)) STORED;--> statement-breakpoint
CREATE INDEX "traces_project_latency_idx" ON "traces" USING btree ("project_id","latency_ms","id");--> statement-breakpoint
CREATE INDEX "traces_project_cost_idx" ON "traces" USING btree ("project_id","cost","id");--> statement-breakpoint
CREATE INDEX "traces_search_text_trgm_idx" ON "traces" USING gin ("search_text" gin_trgm_ops);