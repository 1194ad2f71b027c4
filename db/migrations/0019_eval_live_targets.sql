ALTER TABLE "eval_items" ADD COLUMN "error" text;--> statement-breakpoint
ALTER TABLE "eval_items" ADD COLUMN "cache_key" text;--> statement-breakpoint
CREATE INDEX "eval_items_cache_idx" ON "eval_items" USING btree ("project_id","cache_key");