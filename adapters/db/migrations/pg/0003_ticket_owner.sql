ALTER TABLE "tickets" ADD COLUMN "owner" jsonb;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "owner_deadline" bigint;