CREATE TABLE `counters` (
	`name` text PRIMARY KEY NOT NULL,
	`n` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `knowledge_entries` (
	`id` text PRIMARY KEY NOT NULL,
	`unit` text,
	`state` text NOT NULL,
	`title` text NOT NULL,
	`published` text,
	`draft` text,
	`sample` integer NOT NULL,
	`external_id` text,
	`reject_reason` text,
	`reviewed_at` integer,
	`reviewed_by` text,
	`created_at` integer NOT NULL,
	`created_by` text,
	`updated_at` integer NOT NULL,
	`version` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `knowledge_entries_external_uq` ON `knowledge_entries` (`external_id`);--> statement-breakpoint
CREATE INDEX `knowledge_entries_unit_idx` ON `knowledge_entries` (`unit`,`updated_at`);--> statement-breakpoint
CREATE INDEX `knowledge_entries_state_idx` ON `knowledge_entries` (`state`,`updated_at`);--> statement-breakpoint
CREATE TABLE `knowledge_misses` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`question` text NOT NULL,
	`channel` text NOT NULL,
	`at` integer NOT NULL,
	`data` text
);
--> statement-breakpoint
CREATE INDEX `knowledge_misses_at_idx` ON `knowledge_misses` (`at`);--> statement-breakpoint
CREATE TABLE `knowledge_uses` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`entry_id` text NOT NULL,
	`channel` text NOT NULL,
	`by_user` text,
	`ticket_id` text,
	`at` integer NOT NULL,
	`data` text
);
--> statement-breakpoint
CREATE INDEX `knowledge_uses_entry_idx` ON `knowledge_uses` (`entry_id`,`at`);--> statement-breakpoint
CREATE INDEX `knowledge_uses_at_idx` ON `knowledge_uses` (`at`);--> statement-breakpoint
CREATE TABLE `knowledge_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`entry_id` text NOT NULL,
	`seq` integer NOT NULL,
	`at` integer NOT NULL,
	`actor_id` text NOT NULL,
	`actor_name` text,
	`actor_role` text NOT NULL,
	`action` text NOT NULL,
	`content` text,
	`note` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `knowledge_versions_seq_uq` ON `knowledge_versions` (`entry_id`,`seq`);--> statement-breakpoint
CREATE INDEX `knowledge_versions_at_idx` ON `knowledge_versions` (`at`);