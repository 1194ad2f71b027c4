-- Charts aggregate months of traces: an index-only scan of these narrow tuples instead of the heap.
-- (drizzle's index builder has no INCLUDE, hence a hand-written migration.)
CREATE INDEX IF NOT EXISTS "traces_stats_idx" ON "traces" USING btree ("project_id", "timestamp")
  INCLUDE ("model", "status", "latency_ms", "cost", "input_tokens", "output_tokens", "rating_count", "rating_mean");
