ALTER TABLE "tickets" ADD COLUMN "emergency_type" text;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "assists" jsonb;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "assist_units" text;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "on_site" jsonb;