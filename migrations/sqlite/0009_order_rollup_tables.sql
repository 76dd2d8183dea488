CREATE TABLE `order_day_totals` (
	`day` text NOT NULL,
	`status` text NOT NULL,
	`slot` integer NOT NULL,
	`orders` integer NOT NULL,
	`total_cents` integer NOT NULL,
	PRIMARY KEY(`day`, `status`, `slot`)
);
--> statement-breakpoint
CREATE TABLE `product_day_sales` (
	`day` text NOT NULL,
	`product_id` text NOT NULL,
	`quantity` integer NOT NULL,
	`revenue_cents` integer NOT NULL,
	PRIMARY KEY(`day`, `product_id`)
);
--> statement-breakpoint
CREATE TABLE `product_month_sales` (
	`month` text NOT NULL,
	`product_id` text NOT NULL,
	`quantity` integer NOT NULL,
	`revenue_cents` integer NOT NULL,
	PRIMARY KEY(`month`, `product_id`)
);
