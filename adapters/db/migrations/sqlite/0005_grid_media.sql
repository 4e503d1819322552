ALTER TABLE `tickets` ADD `grid` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `grid_worker` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `grid_reporter` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `publication` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `published_at` integer;--> statement-breakpoint
CREATE INDEX `tickets_grid_worker_idx` ON `tickets` (`grid_worker`,`created_at`);--> statement-breakpoint
CREATE INDEX `tickets_grid_reporter_idx` ON `tickets` (`grid_reporter`,`created_at`);--> statement-breakpoint
CREATE INDEX `tickets_published_idx` ON `tickets` (`published_at`);--> statement-breakpoint
ALTER TABLE `users` ADD `township` text;--> statement-breakpoint
ALTER TABLE `users` ADD `grid_area` text;