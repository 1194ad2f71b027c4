CREATE TABLE "trace_stats_dirty" (
	"project_id" uuid NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	CONSTRAINT "trace_stats_dirty_project_id_hour_pk" PRIMARY KEY("project_id","hour")
);
--> statement-breakpoint
CREATE TABLE "trace_stats_hourly" (
	"project_id" uuid NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"model" text NOT NULL,
	"traces" integer NOT NULL,
	"errors" integer NOT NULL,
	"cost" double precision NOT NULL,
	"input_tokens" double precision NOT NULL,
	"output_tokens" double precision NOT NULL,
	"rating_sum" double precision NOT NULL,
	"rating_n" integer NOT NULL,
	"latency_hist" jsonb NOT NULL,
	CONSTRAINT "trace_stats_hourly_project_id_hour_model_pk" PRIMARY KEY("project_id","hour","model")
);
--> statement-breakpoint
ALTER TABLE "trace_stats_dirty" ADD CONSTRAINT "trace_stats_dirty_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trace_stats_hourly" ADD CONSTRAINT "trace_stats_hourly_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Every hour that already has traces starts dirty: the rollup job fills the table in.
INSERT INTO "trace_stats_dirty" ("project_id", "hour")
SELECT DISTINCT "project_id", date_trunc('hour', "timestamp") FROM "traces" ON CONFLICT DO NOTHING;
