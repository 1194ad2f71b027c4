CREATE TABLE "run_metric_series" (
	"run_id" uuid NOT NULL,
	"key" text NOT NULL,
	"points" integer NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "run_metric_series_run_id_key_pk" PRIMARY KEY("run_id","key")
);
--> statement-breakpoint
ALTER TABLE "run_metric_series" ADD CONSTRAINT "run_metric_series_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- read whole on every hit: skip pglz (faster to read than to decompress; numbers compress ~2x at most)
ALTER TABLE "run_metric_series" ALTER COLUMN "body" SET STORAGE EXTERNAL;
