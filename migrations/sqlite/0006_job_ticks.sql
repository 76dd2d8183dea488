CREATE TABLE `job_ticks` (
	`job` text NOT NULL,
	`tick` text NOT NULL,
	`holder` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`job`, `tick`)
);
--> statement-breakpoint
CREATE INDEX `job_ticks_at_idx` ON `job_ticks` (`at`);