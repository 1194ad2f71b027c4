CREATE TABLE "tuning_job_logs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"job_id" uuid NOT NULL,
	"attempt" integer NOT NULL,
	"stream" text NOT NULL,
	"line" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tuning_jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"number" integer NOT NULL,
	"method" text NOT NULL,
	"base_version_id" uuid NOT NULL,
	"dataset_version_id" uuid NOT NULL,
	"output_model" text NOT NULL,
	"hyperparameters" jsonb NOT NULL,
	"resources" jsonb NOT NULL,
	"seed" integer DEFAULT 0 NOT NULL,
	"fields" jsonb NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"wait_reason" text,
	"attempt" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 3 NOT NULL,
	"wall_time_limit_s" integer DEFAULT 3600 NOT NULL,
	"worker_id" uuid,
	"run_id" uuid,
	"result_version_id" uuid,
	"metrics" jsonb,
	"progress" jsonb,
	"error" text,
	"cancel_requested_at" timestamp with time zone,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "tuning_workers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"host" text NOT NULL,
	"pid" integer NOT NULL,
	"capabilities" jsonb NOT NULL,
	"status" text DEFAULT 'online' NOT NULL,
	"current_job_id" uuid,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tuning_job_logs" ADD CONSTRAINT "tuning_job_logs_job_id_tuning_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."tuning_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tuning_jobs" ADD CONSTRAINT "tuning_jobs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tuning_jobs" ADD CONSTRAINT "tuning_jobs_base_version_id_model_versions_id_fk" FOREIGN KEY ("base_version_id") REFERENCES "public"."model_versions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tuning_jobs" ADD CONSTRAINT "tuning_jobs_dataset_version_id_dataset_versions_id_fk" FOREIGN KEY ("dataset_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tuning_jobs" ADD CONSTRAINT "tuning_jobs_worker_id_tuning_workers_id_fk" FOREIGN KEY ("worker_id") REFERENCES "public"."tuning_workers"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tuning_jobs" ADD CONSTRAINT "tuning_jobs_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tuning_jobs" ADD CONSTRAINT "tuning_jobs_result_version_id_model_versions_id_fk" FOREIGN KEY ("result_version_id") REFERENCES "public"."model_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tuning_jobs" ADD CONSTRAINT "tuning_jobs_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tuning_job_logs_job_idx" ON "tuning_job_logs" USING btree ("job_id","id");--> statement-breakpoint
CREATE INDEX "tuning_jobs_project_idx" ON "tuning_jobs" USING btree ("project_id","created_at");--> statement-breakpoint
CREATE INDEX "tuning_jobs_queue_idx" ON "tuning_jobs" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "tuning_jobs_number_idx" ON "tuning_jobs" USING btree ("project_id","number");--> statement-breakpoint
CREATE INDEX "tuning_workers_status_idx" ON "tuning_workers" USING btree ("status","heartbeat_at");