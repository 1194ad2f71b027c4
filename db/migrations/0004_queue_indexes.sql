DROP INDEX "annotation_queue_items_next_idx";--> statement-breakpoint
CREATE INDEX "annotation_queue_items_locked_idx" ON "annotation_queue_items" USING btree ("queue_id","locked_by");--> statement-breakpoint
CREATE INDEX "annotation_queue_items_next_idx" ON "annotation_queue_items" USING btree ("project_id","queue_id","status","created_at","id");