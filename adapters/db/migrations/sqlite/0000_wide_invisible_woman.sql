CREATE TABLE `audit` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor_id` text NOT NULL,
	`kind` text NOT NULL,
	`subject` text,
	`data` text
);
--> statement-breakpoint
CREATE INDEX `audit_subject_idx` ON `audit` (`subject`,`at`);--> statement-breakpoint
CREATE TABLE `credentials` (
	`hash` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`user_id` text NOT NULL,
	`csrf` text,
	`expires_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `credentials_user_idx` ON `credentials` (`user_id`);--> statement-breakpoint
CREATE TABLE `day_counters` (
	`day` text PRIMARY KEY NOT NULL,
	`n` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `dedupe` (
	`scope` text NOT NULL,
	`key` text NOT NULL,
	`value` text,
	`at` integer NOT NULL,
	PRIMARY KEY(`scope`, `key`)
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`key` text NOT NULL,
	`run_at` integer NOT NULL,
	`payload` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer NOT NULL,
	`locked_by` text,
	`locked_until` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_key_uq` ON `jobs` (`key`);--> statement-breakpoint
CREATE INDEX `jobs_due_idx` ON `jobs` (`status`,`run_at`);--> statement-breakpoint
CREATE TABLE `page_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`page_id` text NOT NULL,
	`ticket_id` text NOT NULL,
	`step` integer NOT NULL,
	`attempt` integer NOT NULL,
	`target` text NOT NULL,
	`target_name` text,
	`channel` text NOT NULL,
	`to_addr` text,
	`code` text,
	`status` text NOT NULL,
	`provider_id` text,
	`outcome` text,
	`result` text,
	`error` text,
	`at` integer NOT NULL,
	`ended_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `page_attempts_pos_uq` ON `page_attempts` (`page_id`,`step`,`attempt`);--> statement-breakpoint
CREATE INDEX `page_attempts_to_idx` ON `page_attempts` (`to_addr`,`at`);--> statement-breakpoint
CREATE INDEX `page_attempts_provider_idx` ON `page_attempts` (`provider_id`);--> statement-breakpoint
CREATE TABLE `pages` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`ticket_number` text NOT NULL,
	`unit` text,
	`reason` text NOT NULL,
	`status` text NOT NULL,
	`running_key` text,
	`source_key` text,
	`chain` text NOT NULL,
	`vars` text NOT NULL,
	`step` integer NOT NULL,
	`attempt` integer NOT NULL,
	`next_step` integer,
	`next_attempt` integer,
	`next_at` integer,
	`started_at` integer NOT NULL,
	`started_by` text NOT NULL,
	`ended_at` integer,
	`end_reason` text,
	`acked_at` integer,
	`acked_by` text,
	`acked_by_id` text,
	`ack_via` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pages_running_uq` ON `pages` (`running_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `pages_source_uq` ON `pages` (`source_key`);--> statement-breakpoint
CREATE INDEX `pages_ticket_idx` ON `pages` (`ticket_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `pages_status_idx` ON `pages` (`status`,`started_at`);--> statement-breakpoint
CREATE TABLE `state_docs` (
	`scope` text NOT NULL,
	`key` text NOT NULL,
	`doc` text NOT NULL,
	`expires_at` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`scope`, `key`)
);
--> statement-breakpoint
CREATE INDEX `state_docs_expiry_idx` ON `state_docs` (`expires_at`);--> statement-breakpoint
CREATE TABLE `ticket_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ticket_id` text NOT NULL,
	`seq` integer NOT NULL,
	`at` integer NOT NULL,
	`type` text NOT NULL,
	`actor_id` text NOT NULL,
	`actor_role` text NOT NULL,
	`actor_name` text,
	`via` text NOT NULL,
	`data` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ticket_events_seq_uq` ON `ticket_events` (`ticket_id`,`seq`);--> statement-breakpoint
CREATE INDEX `ticket_events_at_idx` ON `ticket_events` (`at`);--> statement-breakpoint
CREATE TABLE `tickets` (
	`id` text PRIMARY KEY NOT NULL,
	`number` text NOT NULL,
	`day` text NOT NULL,
	`channel` text NOT NULL,
	`contact` text,
	`contact_name` text,
	`content` text NOT NULL,
	`category` text NOT NULL,
	`urgent` integer NOT NULL,
	`unit` text,
	`township` text,
	`place` text,
	`attachments` text NOT NULL,
	`state` text NOT NULL,
	`sign_deadline` integer,
	`reply_deadline` integer,
	`no_callback` integer NOT NULL,
	`external_ref` text,
	`reviewer` text,
	`merged_into` text,
	`reopen_count` integer NOT NULL,
	`supervision` text NOT NULL,
	`pending_extension_days` integer NOT NULL,
	`last_reply` text,
	`follow_up` text,
	`classification` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`version` integer NOT NULL,
	`source_key` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tickets_number_uq` ON `tickets` (`number`);--> statement-breakpoint
CREATE UNIQUE INDEX `tickets_source_key_uq` ON `tickets` (`source_key`);--> statement-breakpoint
CREATE INDEX `tickets_state_idx` ON `tickets` (`state`,`created_at`);--> statement-breakpoint
CREATE INDEX `tickets_unit_idx` ON `tickets` (`unit`,`created_at`);--> statement-breakpoint
CREATE INDEX `tickets_contact_idx` ON `tickets` (`contact`,`created_at`);--> statement-breakpoint
CREATE INDEX `tickets_created_idx` ON `tickets` (`created_at`);--> statement-breakpoint
CREATE TABLE `units` (
	`name` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`sort` integer NOT NULL,
	`head_name` text,
	`head_phone` text,
	`active` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`display_name` text,
	`role` text NOT NULL,
	`unit` text,
	`phone` text,
	`password_hash` text,
	`disabled` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_name_uq` ON `users` (`name`);