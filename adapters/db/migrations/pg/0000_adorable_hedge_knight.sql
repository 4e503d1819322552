CREATE TABLE "audit" (
	"id" serial PRIMARY KEY NOT NULL,
	"at" bigint NOT NULL,
	"actor_id" text NOT NULL,
	"kind" text NOT NULL,
	"subject" text,
	"data" jsonb
);
--> statement-breakpoint
CREATE TABLE "credentials" (
	"hash" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"user_id" text NOT NULL,
	"csrf" text,
	"expires_at" bigint,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "day_counters" (
	"day" text PRIMARY KEY NOT NULL,
	"n" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dedupe" (
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"value" jsonb,
	"at" bigint NOT NULL,
	CONSTRAINT "dedupe_scope_key_pk" PRIMARY KEY("scope","key")
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" serial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"key" text NOT NULL,
	"run_at" bigint NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text NOT NULL,
	"attempts" integer NOT NULL,
	"locked_by" text,
	"locked_until" bigint,
	"last_error" text,
	"created_at" bigint NOT NULL,
	"finished_at" bigint
);
--> statement-breakpoint
CREATE TABLE "page_attempts" (
	"id" serial PRIMARY KEY NOT NULL,
	"page_id" text NOT NULL,
	"ticket_id" text NOT NULL,
	"step" integer NOT NULL,
	"attempt" integer NOT NULL,
	"target" text NOT NULL,
	"target_name" text,
	"channel" text NOT NULL,
	"to_addr" text,
	"code" text,
	"status" text NOT NULL,
	"provider_id" text,
	"outcome" text,
	"result" text,
	"error" text,
	"at" bigint NOT NULL,
	"ended_at" bigint
);
--> statement-breakpoint
CREATE TABLE "pages" (
	"id" text PRIMARY KEY NOT NULL,
	"ticket_id" text NOT NULL,
	"ticket_number" text NOT NULL,
	"unit" text,
	"reason" text NOT NULL,
	"status" text NOT NULL,
	"running_key" text,
	"source_key" text,
	"chain" jsonb NOT NULL,
	"vars" jsonb NOT NULL,
	"step" integer NOT NULL,
	"attempt" integer NOT NULL,
	"next_step" integer,
	"next_attempt" integer,
	"next_at" bigint,
	"started_at" bigint NOT NULL,
	"started_by" text NOT NULL,
	"ended_at" bigint,
	"end_reason" text,
	"acked_at" bigint,
	"acked_by" text,
	"acked_by_id" text,
	"ack_via" text
);
--> statement-breakpoint
CREATE TABLE "state_docs" (
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"doc" jsonb NOT NULL,
	"expires_at" bigint,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "state_docs_scope_key_pk" PRIMARY KEY("scope","key")
);
--> statement-breakpoint
CREATE TABLE "ticket_events" (
	"id" serial PRIMARY KEY NOT NULL,
	"ticket_id" text NOT NULL,
	"seq" integer NOT NULL,
	"at" bigint NOT NULL,
	"type" text NOT NULL,
	"actor_id" text NOT NULL,
	"actor_role" text NOT NULL,
	"actor_name" text,
	"via" text NOT NULL,
	"data" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tickets" (
	"id" text PRIMARY KEY NOT NULL,
	"number" text NOT NULL,
	"day" text NOT NULL,
	"channel" text NOT NULL,
	"contact" text,
	"contact_name" text,
	"content" text NOT NULL,
	"category" text NOT NULL,
	"urgent" boolean NOT NULL,
	"unit" text,
	"township" text,
	"place" text,
	"attachments" jsonb NOT NULL,
	"state" text NOT NULL,
	"sign_deadline" bigint,
	"reply_deadline" bigint,
	"no_callback" boolean NOT NULL,
	"external_ref" text,
	"reviewer" text,
	"merged_into" text,
	"reopen_count" integer NOT NULL,
	"supervision" text NOT NULL,
	"pending_extension_days" integer NOT NULL,
	"last_reply" text,
	"follow_up" jsonb,
	"classification" jsonb,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	"version" integer NOT NULL,
	"source_key" text
);
--> statement-breakpoint
CREATE TABLE "units" (
	"name" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"sort" integer NOT NULL,
	"head_name" text,
	"head_phone" text,
	"active" boolean NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"display_name" text,
	"role" text NOT NULL,
	"unit" text,
	"phone" text,
	"password_hash" text,
	"disabled" boolean NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "audit_subject_idx" ON "audit" USING btree ("subject","at");--> statement-breakpoint
CREATE INDEX "credentials_user_idx" ON "credentials" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_key_uq" ON "jobs" USING btree ("key");--> statement-breakpoint
CREATE INDEX "jobs_due_idx" ON "jobs" USING btree ("status","run_at");--> statement-breakpoint
CREATE UNIQUE INDEX "page_attempts_pos_uq" ON "page_attempts" USING btree ("page_id","step","attempt");--> statement-breakpoint
CREATE INDEX "page_attempts_to_idx" ON "page_attempts" USING btree ("to_addr","at");--> statement-breakpoint
CREATE INDEX "page_attempts_provider_idx" ON "page_attempts" USING btree ("provider_id");--> statement-breakpoint
CREATE UNIQUE INDEX "pages_running_uq" ON "pages" USING btree ("running_key");--> statement-breakpoint
CREATE UNIQUE INDEX "pages_source_uq" ON "pages" USING btree ("source_key");--> statement-breakpoint
CREATE INDEX "pages_ticket_idx" ON "pages" USING btree ("ticket_id","started_at");--> statement-breakpoint
CREATE INDEX "pages_status_idx" ON "pages" USING btree ("status","started_at");--> statement-breakpoint
CREATE INDEX "state_docs_expiry_idx" ON "state_docs" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "ticket_events_seq_uq" ON "ticket_events" USING btree ("ticket_id","seq");--> statement-breakpoint
CREATE INDEX "ticket_events_at_idx" ON "ticket_events" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "tickets_number_uq" ON "tickets" USING btree ("number");--> statement-breakpoint
CREATE UNIQUE INDEX "tickets_source_key_uq" ON "tickets" USING btree ("source_key");--> statement-breakpoint
CREATE INDEX "tickets_state_idx" ON "tickets" USING btree ("state","created_at");--> statement-breakpoint
CREATE INDEX "tickets_unit_idx" ON "tickets" USING btree ("unit","created_at");--> statement-breakpoint
CREATE INDEX "tickets_contact_idx" ON "tickets" USING btree ("contact","created_at");--> statement-breakpoint
CREATE INDEX "tickets_created_idx" ON "tickets" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "users_name_uq" ON "users" USING btree ("name");