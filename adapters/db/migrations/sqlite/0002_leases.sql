CREATE TABLE `leases` (
	`scope` text NOT NULL,
	`key` text NOT NULL,
	`owner` text NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`scope`, `key`)
);
