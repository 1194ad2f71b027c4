CREATE TABLE "route_cache" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"router_id" uuid NOT NULL,
	"prompt_hash" text NOT NULL,
	"embedding" double precision[],
	"response" jsonb NOT NULL,
	"hits" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "route_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"router_id" uuid NOT NULL,
	"target" text NOT NULL,
	"large" boolean NOT NULL,
	"reason" text NOT NULL,
	"cache" text DEFAULT 'miss' NOT NULL,
	"fallback" boolean DEFAULT false NOT NULL,
	"latency_ms" integer NOT NULL,
	"cost" double precision DEFAULT 0 NOT NULL,
	"large_cost" double precision DEFAULT 0 NOT NULL,
	"trace_id" text,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "routers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"config" jsonb NOT NULL,
	"fallbacks" text[] DEFAULT '{}'::text[] NOT NULL,
	"cache" jsonb DEFAULT '{"exact":false,"semantic":null,"ttlSeconds":3600}'::jsonb NOT NULL,
	"trained" jsonb,
	"trained_at" timestamp with time zone,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deployments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"task" text NOT NULL,
	"model_name" text,
	"model_ref" text,
	"provider_id" uuid,
	"provider_model" text,
	"input_price_per_1k" double precision DEFAULT 0 NOT NULL,
	"output_price_per_1k" double precision DEFAULT 0 NOT NULL,
	"defaults" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"batching" jsonb DEFAULT '{"windowMs":5,"maxBatch":16}'::jsonb NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "providers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"base_url" text NOT NULL,
	"api_key_enc" text,
	"timeout_ms" integer DEFAULT 60000 NOT NULL,
	"max_retries" integer DEFAULT 2 NOT NULL,
	"max_concurrency" integer DEFAULT 16 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
ALTER TABLE "route_cache" ADD CONSTRAINT "route_cache_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "route_cache" ADD CONSTRAINT "route_cache_router_id_routers_id_fk" FOREIGN KEY ("router_id") REFERENCES "public"."routers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "route_events" ADD CONSTRAINT "route_events_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "route_events" ADD CONSTRAINT "route_events_router_id_routers_id_fk" FOREIGN KEY ("router_id") REFERENCES "public"."routers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routers" ADD CONSTRAINT "routers_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "providers" ADD CONSTRAINT "providers_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "route_cache_router_hash_idx" ON "route_cache" USING btree ("router_id","prompt_hash");--> statement-breakpoint
CREATE INDEX "route_cache_router_created_idx" ON "route_cache" USING btree ("router_id","created_at");--> statement-breakpoint
CREATE INDEX "route_events_router_created_idx" ON "route_events" USING btree ("router_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "routers_project_name_key" ON "routers" USING btree ("project_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "deployments_project_name_key" ON "deployments" USING btree ("project_id","name");--> statement-breakpoint
CREATE INDEX "deployments_provider_idx" ON "deployments" USING btree ("provider_id");--> statement-breakpoint
CREATE UNIQUE INDEX "providers_project_name_key" ON "providers" USING btree ("project_id","name");