CREATE TABLE "trace_scores" (
	"project_id" uuid NOT NULL,
	"trace_id" text NOT NULL,
	"name" text NOT NULL,
	"n" integer NOT NULL,
	"sum" double precision NOT NULL,
	"mean" double precision GENERATED ALWAYS AS (CASE WHEN n > 0 THEN sum / n END) STORED,
	CONSTRAINT "trace_scores_project_id_name_trace_id_pk" PRIMARY KEY("project_id","name","trace_id")
);
--> statement-breakpoint
ALTER TABLE "trace_scores" ADD CONSTRAINT "trace_scores_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "trace_scores_sort_idx" ON "trace_scores" USING btree ("project_id","name","mean","trace_id");--> statement-breakpoint
CREATE INDEX "alias_transitions_project_created_idx" ON "alias_transitions" USING btree ("project_id","created_at");--> statement-breakpoint
-- The sums of the ratings already stored (ratings without a value, free text, do not count).
INSERT INTO "trace_scores" ("project_id", "trace_id", "name", "n", "sum")
  SELECT project_id, trace_id, name, count(*), sum(value) FROM ratings WHERE value IS NOT NULL GROUP BY 1, 2, 3;--> statement-breakpoint
-- Kept by statement triggers with transition tables: one pass per statement over the rows it
-- changed, as increments (n, sum) so two transactions rating the same trace add up (each upsert
-- takes the row lock and adds to the latest version, and a DELETE or UPDATE rechecks its condition
-- on the latest version after waiting); a row goes with its last valued rating.
-- An upsert into ratings (INSERT ... ON CONFLICT DO UPDATE) fires both the INSERT trigger (the new
-- rows) and the UPDATE trigger (old and new versions of the updated ones).
CREATE OR REPLACE FUNCTION keel_trace_scores_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    -- Each statement joins the changed keys to trace_scores on its primary key (a hash join for a
    -- big statement, index probes for a small one). The rows left with no valued rating go first:
    -- a separate "DELETE ... WHERE n <= 0" after the UPDATE is misestimated (the statistics say no
    -- such row) into a nested loop over every changed key per row, quadratic for a big purge.
    DELETE FROM trace_scores s
      USING (SELECT project_id, trace_id, name, count(*)::int AS n FROM keel_old_ratings WHERE value IS NOT NULL GROUP BY 1, 2, 3) o
      WHERE s.project_id = o.project_id AND s.name = o.name AND s.trace_id = o.trace_id AND s.n <= o.n;
    UPDATE trace_scores s SET n = s.n - o.n, sum = s.sum - o.sum
      FROM (SELECT project_id, trace_id, name, count(*)::int AS n, sum(value) AS sum
            FROM keel_old_ratings WHERE value IS NOT NULL GROUP BY 1, 2, 3) o
      WHERE s.project_id = o.project_id AND s.name = o.name AND s.trace_id = o.trace_id AND s.n > o.n;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    -- in key order, so concurrent batches take their row locks in the same order
    INSERT INTO trace_scores AS s (project_id, trace_id, name, n, sum)
      SELECT project_id, trace_id, name, count(*)::int, sum(value)
      FROM keel_new_ratings WHERE value IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 3, 2
      ON CONFLICT (project_id, name, trace_id) DO UPDATE SET n = s.n + EXCLUDED.n, sum = s.sum + EXCLUDED.sum;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "ratings_trace_scores_insert" AFTER INSERT ON "ratings" REFERENCING NEW TABLE AS keel_new_ratings
  FOR EACH STATEMENT EXECUTE FUNCTION keel_trace_scores_sync();--> statement-breakpoint
CREATE TRIGGER "ratings_trace_scores_update" AFTER UPDATE ON "ratings" REFERENCING OLD TABLE AS keel_old_ratings NEW TABLE AS keel_new_ratings
  FOR EACH STATEMENT EXECUTE FUNCTION keel_trace_scores_sync();--> statement-breakpoint
CREATE TRIGGER "ratings_trace_scores_delete" AFTER DELETE ON "ratings" REFERENCING OLD TABLE AS keel_old_ratings
  FOR EACH STATEMENT EXECUTE FUNCTION keel_trace_scores_sync();
