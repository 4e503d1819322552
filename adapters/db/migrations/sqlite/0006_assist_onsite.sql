ALTER TABLE `tickets` ADD `emergency_type` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `assists` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `assist_units` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `on_site` text;