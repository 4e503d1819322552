ALTER TABLE "tickets" ADD COLUMN "grid" jsonb;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "grid_worker" text;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "grid_reporter" text;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "publication" jsonb;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "published_at" bigint;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "township" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "grid_area" text;--> statement-breakpoint
CREATE INDEX "tickets_grid_worker_idx" ON "tickets" USING btree ("grid_worker","created_at");--> statement-breakpoint
CREATE INDEX "tickets_grid_reporter_idx" ON "tickets" USING btree ("grid_reporter","created_at");--> statement-breakpoint
CREATE INDEX "tickets_published_idx" ON "tickets" USING btree ("published_at");