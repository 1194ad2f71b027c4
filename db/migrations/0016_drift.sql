CREATE TABLE "drift_alert_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"monitor_id" uuid NOT NULL,
	"name" text NOT NULL,
	"condition" jsonb NOT NULL,
	"retrain" jsonb,
	"active" boolean DEFAULT true NOT NULL,
	"silenced_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "drift_alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"monitor_id" uuid NOT NULL,
	"rule_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"payload" jsonb NOT NULL,
	"tuning_job_id" uuid,
	"retrain_error" text,
	"acknowledged_by" uuid,
	"acknowledged_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "drift_embeddings" (
	"project_id" uuid NOT NULL,
	"trace_id" text NOT NULL,
	"field" text NOT NULL,
	"model_version_id" uuid NOT NULL,
	"vector" real[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "drift_embeddings_project_id_model_version_id_field_trace_id_pk" PRIMARY KEY("project_id","model_version_id","field","trace_id")
);
--> statement-breakpoint
CREATE TABLE "drift_monitors" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"config" jsonb NOT NULL,
	"schedule" text,
	"next_run_at" timestamp with time zone,
	"active" boolean DEFAULT true NOT NULL,
	"retention_days" integer DEFAULT 90 NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "drift_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"monitor_id" uuid NOT NULL,
	"number" integer NOT NULL,
	"trigger" text NOT NULL,
	"verdict" text NOT NULL,
	"config" jsonb NOT NULL,
	"reference" jsonb NOT NULL,
	"current" jsonb NOT NULL,
	"column_count" integer NOT NULL,
	"drifted_count" integer NOT NULL,
	"drift_share" double precision NOT NULL,
	"columns" jsonb NOT NULL,
	"embeddings" jsonb,
	"message" text,
	"duration_ms" integer NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tuning_jobs" ADD COLUMN "trigger" jsonb;--> statement-breakpoint
ALTER TABLE "tuning_jobs" ADD COLUMN "decision" jsonb;--> statement-breakpoint
ALTER TABLE "drift_alert_rules" ADD CONSTRAINT "drift_alert_rules_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drift_alert_rules" ADD CONSTRAINT "drift_alert_rules_monitor_id_drift_monitors_id_fk" FOREIGN KEY ("monitor_id") REFERENCES "public"."drift_monitors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drift_alerts" ADD CONSTRAINT "drift_alerts_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drift_alerts" ADD CONSTRAINT "drift_alerts_monitor_id_drift_monitors_id_fk" FOREIGN KEY ("monitor_id") REFERENCES "public"."drift_monitors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drift_alerts" ADD CONSTRAINT "drift_alerts_rule_id_drift_alert_rules_id_fk" FOREIGN KEY ("rule_id") REFERENCES "public"."drift_alert_rules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drift_alerts" ADD CONSTRAINT "drift_alerts_run_id_drift_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."drift_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drift_alerts" ADD CONSTRAINT "drift_alerts_acknowledged_by_users_id_fk" FOREIGN KEY ("acknowledged_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drift_embeddings" ADD CONSTRAINT "drift_embeddings_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drift_monitors" ADD CONSTRAINT "drift_monitors_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drift_monitors" ADD CONSTRAINT "drift_monitors_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drift_runs" ADD CONSTRAINT "drift_runs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drift_runs" ADD CONSTRAINT "drift_runs_monitor_id_drift_monitors_id_fk" FOREIGN KEY ("monitor_id") REFERENCES "public"."drift_monitors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drift_runs" ADD CONSTRAINT "drift_runs_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "drift_alert_rules_monitor_name_key" ON "drift_alert_rules" USING btree ("monitor_id","name");--> statement-breakpoint
CREATE INDEX "drift_alert_rules_project_idx" ON "drift_alert_rules" USING btree ("project_id");--> statement-breakpoint
CREATE UNIQUE INDEX "drift_alerts_rule_run_key" ON "drift_alerts" USING btree ("rule_id","run_id");--> statement-breakpoint
CREATE INDEX "drift_alerts_project_created_idx" ON "drift_alerts" USING btree ("project_id","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "drift_monitors_project_name_key" ON "drift_monitors" USING btree ("project_id","name");--> statement-breakpoint
CREATE INDEX "drift_monitors_project_created_idx" ON "drift_monitors" USING btree ("project_id","created_at","id");--> statement-breakpoint
CREATE INDEX "drift_monitors_due_idx" ON "drift_monitors" USING btree ("active","next_run_at");--> statement-breakpoint
CREATE UNIQUE INDEX "drift_runs_monitor_number_key" ON "drift_runs" USING btree ("monitor_id","number");--> statement-breakpoint
CREATE INDEX "drift_runs_project_monitor_created_idx" ON "drift_runs" USING btree ("project_id","monitor_id","created_at","id");--> statement-breakpoint
-- The text of a logged input or output (drift columns: lengths, language, refusals): a JSON string
-- itself; else the chat `content` strings; else every string inside; else the JSON text.
CREATE OR REPLACE FUNCTION keel_json_text(j jsonb) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN j IS NULL OR jsonb_typeof(j) = 'null' THEN NULL
    WHEN jsonb_typeof(j) = 'string' THEN j #>> '{}'
    ELSE coalesce(
      (SELECT string_agg(v #>> '{}', E'\n') FROM jsonb_path_query(j, 'strict $.**.content ? (@.type() == "string")') AS v),
      (SELECT string_agg(v #>> '{}', E'\n') FROM jsonb_path_query(j, 'strict $.** ? (@.type() == "string")') AS v),
      j::text)
  END
$$;
--> statement-breakpoint
-- A simple language guess for drift's `language` column: the script for non-Latin text, else the
-- language whose common short words occur most (en, es, fr, de, pt, it); 'unknown' when none do.
CREATE OR REPLACE FUNCTION keel_language(s text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN s IS NULL OR btrim(s) = '' THEN NULL
    WHEN s ~ '[぀-ヿ]' THEN 'ja'
    WHEN s ~ '[가-힯]' THEN 'ko'
    WHEN s ~ '[一-鿿]' THEN 'zh'
    WHEN s ~ '[Ѐ-ӿ]' THEN 'ru'
    WHEN s ~ '[؀-ۿ]' THEN 'ar'
    WHEN s ~ '[ऀ-ॿ]' THEN 'hi'
    WHEN s ~ '[Ͱ-Ͽ]' THEN 'el'
    WHEN s ~ '[֐-׿]' THEN 'he'
    ELSE (
      SELECT CASE WHEN max(n) = 0 THEN 'unknown' ELSE (array_agg(lang ORDER BY n DESC, lang))[1] END
      FROM (VALUES
        ('en', regexp_count(lower(s), '\m(the|and|is|are|you|what|how|of|to|in|it|this|with|for)\M')),
        ('es', regexp_count(lower(s), '\m(el|la|los|las|que|es|por|para|una|como|con|del|muy|pero)\M')),
        ('fr', regexp_count(lower(s), '\m(le|les|des|est|et|une|pour|vous|dans|qui|ce|pas|sur|avec)\M')),
        ('de', regexp_count(lower(s), '\m(der|die|das|und|ist|nicht|ein|eine|ich|sie|mit|wie|auf|für)\M')),
        ('pt', regexp_count(lower(s), '\m(não|uma|você|para|com|os|do|da|em|mas|por|muito|seu|sua)\M')),
        ('it', regexp_count(lower(s), '\m(il|che|non|sono|una|per|con|gli|della|di|del|come|anche|questo)\M'))
      ) AS c(lang, n)
    )
  END
$$;
