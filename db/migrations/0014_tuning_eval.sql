ALTER TABLE "tuning_jobs" ADD COLUMN "eval_run_id" uuid;--> statement-breakpoint
ALTER TABLE "tuning_jobs" ADD COLUMN "promote_to" text;--> statement-breakpoint
ALTER TABLE "tuning_jobs" ADD COLUMN "promotion" jsonb;