CREATE TABLE "counters" (
	"name" text PRIMARY KEY NOT NULL,
	"n" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "knowledge_entries" (
	"id" text PRIMARY KEY NOT NULL,
	"unit" text,
	"state" text NOT NULL,
	"title" text NOT NULL,
	"published" jsonb,
	"draft" jsonb,
	"sample" boolean NOT NULL,
	"external_id" text,
	"reject_reason" text,
	"reviewed_at" bigint,
	"reviewed_by" text,
	"created_at" bigint NOT NULL,
	"created_by" text,
	"updated_at" bigint NOT NULL,
	"version" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "knowledge_misses" (
	"id" serial PRIMARY KEY NOT NULL,
	"question" text NOT NULL,
	"channel" text NOT NULL,
	"at" bigint NOT NULL,
	"data" jsonb
);
--> statement-breakpoint
CREATE TABLE "knowledge_uses" (
	"id" serial PRIMARY KEY NOT NULL,
	"entry_id" text NOT NULL,
	"channel" text NOT NULL,
	"by_user" text,
	"ticket_id" text,
	"at" bigint NOT NULL,
	"data" jsonb
);
--> statement-breakpoint
CREATE TABLE "knowledge_versions" (
	"id" serial PRIMARY KEY NOT NULL,
	"entry_id" text NOT NULL,
	"seq" integer NOT NULL,
	"at" bigint NOT NULL,
	"actor_id" text NOT NULL,
	"actor_name" text,
	"actor_role" text NOT NULL,
	"action" text NOT NULL,
	"content" jsonb,
	"note" text
);
--> statement-breakpoint
CREATE UNIQUE INDEX "knowledge_entries_external_uq" ON "knowledge_entries" USING btree ("external_id");--> statement-breakpoint
CREATE INDEX "knowledge_entries_unit_idx" ON "knowledge_entries" USING btree ("unit","updated_at");--> statement-breakpoint
CREATE INDEX "knowledge_entries_state_idx" ON "knowledge_entries" USING btree ("state","updated_at");--> statement-breakpoint
CREATE INDEX "knowledge_misses_at_idx" ON "knowledge_misses" USING btree ("at");--> statement-breakpoint
CREATE INDEX "knowledge_uses_entry_idx" ON "knowledge_uses" USING btree ("entry_id","at");--> statement-breakpoint
CREATE INDEX "knowledge_uses_at_idx" ON "knowledge_uses" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "knowledge_versions_seq_uq" ON "knowledge_versions" USING btree ("entry_id","seq");--> statement-breakpoint
CREATE INDEX "knowledge_versions_at_idx" ON "knowledge_versions" USING btree ("at");