CREATE TABLE "worker_pools" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"project_ids" uuid[],
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "worker_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"hash" text NOT NULL,
	"pool_id" uuid,
	"created_by" uuid,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tuning_workers" ADD COLUMN "token_id" uuid;--> statement-breakpoint
ALTER TABLE "worker_pools" ADD CONSTRAINT "worker_pools_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "worker_tokens" ADD CONSTRAINT "worker_tokens_pool_id_worker_pools_id_fk" FOREIGN KEY ("pool_id") REFERENCES "public"."worker_pools"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "worker_tokens" ADD CONSTRAINT "worker_tokens_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "worker_pools_name_key" ON "worker_pools" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "worker_tokens_hash_key" ON "worker_tokens" USING btree ("hash");--> statement-breakpoint
CREATE INDEX "worker_tokens_created_idx" ON "worker_tokens" USING btree ("created_at","id");--> statement-breakpoint
ALTER TABLE "tuning_workers" ADD CONSTRAINT "tuning_workers_token_id_worker_tokens_id_fk" FOREIGN KEY ("token_id") REFERENCES "public"."worker_tokens"("id") ON DELETE set null ON UPDATE no action;