-- Metric histories read 100,000 points of one (run, key): an index-only scan that carries the value,
-- instead of a heap fetch per point. (drizzle's index builder has no INCLUDE, hence written by hand.)
DROP INDEX "run_metrics_run_key_step_idx";--> statement-breakpoint
CREATE INDEX "run_metrics_run_key_step_idx" ON "run_metrics" USING btree ("run_id", "key", "step", "timestamp") INCLUDE ("value");
