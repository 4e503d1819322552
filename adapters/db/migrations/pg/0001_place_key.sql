ALTER TABLE "tickets" ADD COLUMN "place_key" text;--> statement-breakpoint
CREATE INDEX "tickets_place_key_idx" ON "tickets" USING btree ("place_key","created_at");--> statement-breakpoint
-- Tickets from before this column: their stored place is the best key there is.
UPDATE "tickets" SET "place_key" = "place" WHERE "place_key" IS NULL;
