DROP INDEX `products_name_id_idx`;--> statement-breakpoint
CREATE INDEX `products_name_nocase_id_idx` ON `products` ("name" COLLATE NOCASE,`id`);--> statement-breakpoint
CREATE INDEX `products_category_price_idx` ON `products` (`category`,`price_cents`,`id`);--> statement-breakpoint
CREATE INDEX `products_category_name_idx` ON `products` (`category`,"name" COLLATE NOCASE,`id`);