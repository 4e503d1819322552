ALTER TABLE `tickets` ADD `owner` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `owner_deadline` integer;