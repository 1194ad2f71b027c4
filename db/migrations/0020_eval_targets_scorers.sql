ALTER TABLE "eval_items" ADD COLUMN "answered_by" text;--> statement-breakpoint
ALTER TABLE "eval_items" ADD COLUMN "latency_ms" double precision;--> statement-breakpoint
ALTER TABLE "eval_items" ADD COLUMN "cost" double precision;--> statement-breakpoint
ALTER TABLE "eval_items" ADD COLUMN "trace_id" text;--> statement-breakpoint
ALTER TABLE "eval_items" ADD COLUMN "details" jsonb;--> statement-breakpoint
ALTER TABLE "eval_runs" ADD COLUMN "scorers" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "eval_runs" ADD COLUMN "max_cost" double precision;