ALTER TABLE "model_versions" ADD COLUMN "prompt" jsonb;--> statement-breakpoint
ALTER TABLE "model_versions" ADD COLUMN "config" jsonb;--> statement-breakpoint
ALTER TABLE "registered_models" ADD COLUMN "kind" text DEFAULT 'model' NOT NULL;--> statement-breakpoint
ALTER TABLE "registered_models" ADD CONSTRAINT "registered_models_kind_check" CHECK ("registered_models"."kind" in ('model', 'prompt'));