CREATE TABLE "rate_limits" (
	"key" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "rate_limits_key_window_start_pk" PRIMARY KEY("key","window_start")
);
--> statement-breakpoint
CREATE TABLE "annotation_completions" (
	"item_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"skipped" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "annotation_completions_item_id_user_id_pk" PRIMARY KEY("item_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "annotation_queue_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"queue_id" uuid NOT NULL,
	"trace_id" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"completions" integer DEFAULT 0 NOT NULL,
	"locked_by" uuid,
	"locked_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "annotation_queues" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"score_config_ids" uuid[] NOT NULL,
	"assignee_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"lock_seconds" integer DEFAULT 600 NOT NULL,
	"required_ratings" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "log_settings" (
	"project_id" uuid PRIMARY KEY NOT NULL,
	"retention_days" integer,
	"redaction" jsonb DEFAULT '{"builtins":[],"custom":[]}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_prices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"match" text NOT NULL,
	"input_per_million" double precision NOT NULL,
	"output_per_million" double precision NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "observations" (
	"project_id" uuid NOT NULL,
	"id" text NOT NULL,
	"trace_id" text NOT NULL,
	"parent_observation_id" text,
	"type" text NOT NULL,
	"name" text,
	"start_time" timestamp with time zone NOT NULL,
	"end_time" timestamp with time zone,
	"completion_start_time" timestamp with time zone,
	"model" text,
	"provider" text,
	"model_parameters" jsonb,
	"input" jsonb,
	"output" jsonb,
	"input_tokens" integer,
	"output_tokens" integer,
	"cost" double precision,
	"latency_ms" integer GENERATED ALWAYS AS ((extract(epoch FROM (end_time - start_time)) * 1000)::integer) STORED,
	"ttft_ms" integer GENERATED ALWAYS AS ((extract(epoch FROM (completion_start_time - start_time)) * 1000)::integer) STORED,
	"status" text DEFAULT 'ok' NOT NULL,
	"status_message" text,
	"metadata" jsonb,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "observations_project_id_id_pk" PRIMARY KEY("project_id","id")
);
--> statement-breakpoint
CREATE TABLE "ratings" (
	"project_id" uuid NOT NULL,
	"id" text NOT NULL,
	"trace_id" text NOT NULL,
	"observation_id" text,
	"config_id" uuid,
	"name" text NOT NULL,
	"data_type" text NOT NULL,
	"value" double precision,
	"string_value" text,
	"comment" text,
	"source" text NOT NULL,
	"author_user_id" uuid,
	"end_user_id" text,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "ratings_project_id_id_pk" PRIMARY KEY("project_id","id")
);
--> statement-breakpoint
CREATE TABLE "score_configs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"data_type" text NOT NULL,
	"min" double precision,
	"max" double precision,
	"categories" jsonb,
	"description" text,
	"archived" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "traces" (
	"project_id" uuid NOT NULL,
	"id" text NOT NULL,
	"timestamp" timestamp with time zone NOT NULL,
	"name" text,
	"user_id" text,
	"session_id" text,
	"release" text,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"metadata" jsonb,
	"input" jsonb,
	"output" jsonb,
	"model_version_id" uuid,
	"route_decision" jsonb,
	"model" text,
	"input_tokens" integer DEFAULT 0 NOT NULL,
	"output_tokens" integer DEFAULT 0 NOT NULL,
	"cost" double precision DEFAULT 0 NOT NULL,
	"latency_ms" integer,
	"status" text DEFAULT 'ok' NOT NULL,
	"rating_count" integer DEFAULT 0 NOT NULL,
	"rating_mean" double precision,
	"search" "tsvector" GENERATED ALWAYS AS (jsonb_to_tsvector('simple', coalesce(input, 'null'::jsonb), '["string"]') || jsonb_to_tsvector('simple', coalesce(output, 'null'::jsonb), '["string"]')) STORED,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "traces_project_id_id_pk" PRIMARY KEY("project_id","id")
);
--> statement-breakpoint
ALTER TABLE "jobs" ALTER COLUMN "created_at" SET DEFAULT date_trunc('milliseconds', clock_timestamp());--> statement-breakpoint
ALTER TABLE "api_keys" ALTER COLUMN "created_at" SET DEFAULT date_trunc('milliseconds', clock_timestamp());--> statement-breakpoint
ALTER TABLE "audit_logs" ALTER COLUMN "created_at" SET DEFAULT date_trunc('milliseconds', clock_timestamp());--> statement-breakpoint
ALTER TABLE "login_failures" ALTER COLUMN "created_at" SET DEFAULT date_trunc('milliseconds', clock_timestamp());--> statement-breakpoint
ALTER TABLE "memberships" ALTER COLUMN "created_at" SET DEFAULT date_trunc('milliseconds', clock_timestamp());--> statement-breakpoint
ALTER TABLE "projects" ALTER COLUMN "created_at" SET DEFAULT date_trunc('milliseconds', clock_timestamp());--> statement-breakpoint
ALTER TABLE "sessions" ALTER COLUMN "created_at" SET DEFAULT date_trunc('milliseconds', clock_timestamp());--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "created_at" SET DEFAULT date_trunc('milliseconds', clock_timestamp());--> statement-breakpoint
ALTER TABLE "annotation_completions" ADD CONSTRAINT "annotation_completions_item_id_annotation_queue_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."annotation_queue_items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "annotation_queue_items" ADD CONSTRAINT "annotation_queue_items_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "annotation_queue_items" ADD CONSTRAINT "annotation_queue_items_queue_id_annotation_queues_id_fk" FOREIGN KEY ("queue_id") REFERENCES "public"."annotation_queues"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "annotation_queues" ADD CONSTRAINT "annotation_queues_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "log_settings" ADD CONSTRAINT "log_settings_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_prices" ADD CONSTRAINT "model_prices_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "observations" ADD CONSTRAINT "observations_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ratings" ADD CONSTRAINT "ratings_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ratings" ADD CONSTRAINT "ratings_config_id_score_configs_id_fk" FOREIGN KEY ("config_id") REFERENCES "public"."score_configs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ratings" ADD CONSTRAINT "ratings_author_user_id_users_id_fk" FOREIGN KEY ("author_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "score_configs" ADD CONSTRAINT "score_configs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "traces" ADD CONSTRAINT "traces_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "annotation_queue_items_queue_trace_key" ON "annotation_queue_items" USING btree ("queue_id","trace_id");--> statement-breakpoint
CREATE INDEX "annotation_queue_items_next_idx" ON "annotation_queue_items" USING btree ("project_id","queue_id","status","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "annotation_queues_project_name_key" ON "annotation_queues" USING btree ("project_id","name");--> statement-breakpoint
CREATE INDEX "annotation_queues_project_created_idx" ON "annotation_queues" USING btree ("project_id","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "model_prices_project_match_key" ON "model_prices" USING btree ("project_id","match");--> statement-breakpoint
CREATE INDEX "observations_trace_idx" ON "observations" USING btree ("project_id","trace_id","start_time");--> statement-breakpoint
CREATE INDEX "ratings_trace_idx" ON "ratings" USING btree ("project_id","trace_id");--> statement-breakpoint
CREATE INDEX "ratings_project_name_created_idx" ON "ratings" USING btree ("project_id","name","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "score_configs_project_name_key" ON "score_configs" USING btree ("project_id","name");--> statement-breakpoint
CREATE INDEX "score_configs_project_created_idx" ON "score_configs" USING btree ("project_id","created_at","id");--> statement-breakpoint
CREATE INDEX "traces_project_ts_idx" ON "traces" USING btree ("project_id","timestamp" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "traces_project_model_ts_idx" ON "traces" USING btree ("project_id","model","timestamp" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "traces_project_user_idx" ON "traces" USING btree ("project_id","user_id");--> statement-breakpoint
CREATE INDEX "traces_project_session_idx" ON "traces" USING btree ("project_id","session_id");--> statement-breakpoint
CREATE INDEX "traces_tags_idx" ON "traces" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "traces_search_idx" ON "traces" USING gin ("search");