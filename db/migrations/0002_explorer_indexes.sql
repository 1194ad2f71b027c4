DROP INDEX "traces_project_ts_idx";--> statement-breakpoint
DROP INDEX "traces_project_model_ts_idx";--> statement-breakpoint
CREATE INDEX "traces_project_ts_idx" ON "traces" USING btree ("project_id","timestamp" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "traces_project_model_ts_idx" ON "traces" USING btree ("project_id","model","timestamp" DESC NULLS FIRST,"id" DESC NULLS FIRST);