CREATE TABLE `cache_changes` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `cache_changes_at_idx` ON `cache_changes` (`at`);--> statement-breakpoint
CREATE TABLE `leases` (
	`name` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `rate_limit_events` (
	`name` text NOT NULL,
	`key` text NOT NULL,
	`at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rate_limit_events_key_idx` ON `rate_limit_events` (`name`,`key`,`at`);--> statement-breakpoint
CREATE INDEX `rate_limit_events_expiry_idx` ON `rate_limit_events` (`expires_at`);--> statement-breakpoint
CREATE TABLE `recent_pairs` (
	`name` text NOT NULL,
	`key` text NOT NULL,
	`at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`name`, `key`)
);
--> statement-breakpoint
CREATE INDEX `recent_pairs_expiry_idx` ON `recent_pairs` (`expires_at`);