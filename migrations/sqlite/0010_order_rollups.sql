-- The summary report's rollups (order_day_totals, product_day_sales, product_month_sales) kept by
-- triggers in the writing transaction, so every writer (the order store, the demo seeder, plain SQL)
-- keeps them exact; then filled from the orders already there. A day is substr(created_at, 1, 10),
-- the UTC date, as sales_by_day; a month substr(created_at, 1, 7). Sales are the lines of orders in
-- the revenue statuses (src/modules/reports/store.ts REVENUE_STATUSES): paid, shipped, delivered.
-- The slot is the order id's last character mod 8 (see schema.ts). Hand-written (drizzle-kit generate --custom).
CREATE TRIGGER `order_rollups_insert` AFTER INSERT ON `orders` BEGIN
	INSERT INTO `order_day_totals` (`day`, `status`, `slot`, `orders`, `total_cents`)
	VALUES (substr(NEW.`created_at`, 1, 10), NEW.`status`, coalesce(unicode(substr(NEW.`id`, -1)), 0) % 8, 1, NEW.`total_cents`)
	ON CONFLICT (`day`, `status`, `slot`) DO UPDATE SET `orders` = `orders` + excluded.`orders`, `total_cents` = `total_cents` + excluded.`total_cents`;
END;
--> statement-breakpoint
-- A status change (the only update the app makes) moves the order from one row to another; its
-- lines leave or join the sales when it leaves or enters the revenue statuses.
CREATE TRIGGER `order_rollups_update` AFTER UPDATE OF `id`, `status`, `total_cents`, `created_at` ON `orders`
WHEN OLD.`id` IS NOT NEW.`id` OR OLD.`status` IS NOT NEW.`status` OR OLD.`total_cents` IS NOT NEW.`total_cents` OR OLD.`created_at` IS NOT NEW.`created_at`
BEGIN
	INSERT INTO `order_day_totals` (`day`, `status`, `slot`, `orders`, `total_cents`)
	VALUES (substr(OLD.`created_at`, 1, 10), OLD.`status`, coalesce(unicode(substr(OLD.`id`, -1)), 0) % 8, -1, -OLD.`total_cents`)
	ON CONFLICT (`day`, `status`, `slot`) DO UPDATE SET `orders` = `orders` + excluded.`orders`, `total_cents` = `total_cents` + excluded.`total_cents`;
	INSERT INTO `order_day_totals` (`day`, `status`, `slot`, `orders`, `total_cents`)
	VALUES (substr(NEW.`created_at`, 1, 10), NEW.`status`, coalesce(unicode(substr(NEW.`id`, -1)), 0) % 8, 1, NEW.`total_cents`)
	ON CONFLICT (`day`, `status`, `slot`) DO UPDATE SET `orders` = `orders` + excluded.`orders`, `total_cents` = `total_cents` + excluded.`total_cents`;
	INSERT INTO `product_day_sales` (`day`, `product_id`, `quantity`, `revenue_cents`)
	SELECT substr(OLD.`created_at`, 1, 10), `product_id`, -`quantity`, -`line_total_cents` FROM `order_items`
	WHERE `order_id` = OLD.`id` AND OLD.`status` IN ('paid', 'shipped', 'delivered')
		AND (NEW.`status` NOT IN ('paid', 'shipped', 'delivered') OR OLD.`created_at` IS NOT NEW.`created_at` OR OLD.`id` IS NOT NEW.`id`)
	ON CONFLICT (`day`, `product_id`) DO UPDATE SET `quantity` = `quantity` + excluded.`quantity`, `revenue_cents` = `revenue_cents` + excluded.`revenue_cents`;
	INSERT INTO `product_month_sales` (`month`, `product_id`, `quantity`, `revenue_cents`)
	SELECT substr(OLD.`created_at`, 1, 7), `product_id`, -`quantity`, -`line_total_cents` FROM `order_items`
	WHERE `order_id` = OLD.`id` AND OLD.`status` IN ('paid', 'shipped', 'delivered')
		AND (NEW.`status` NOT IN ('paid', 'shipped', 'delivered') OR OLD.`created_at` IS NOT NEW.`created_at` OR OLD.`id` IS NOT NEW.`id`)
	ON CONFLICT (`month`, `product_id`) DO UPDATE SET `quantity` = `quantity` + excluded.`quantity`, `revenue_cents` = `revenue_cents` + excluded.`revenue_cents`;
	INSERT INTO `product_day_sales` (`day`, `product_id`, `quantity`, `revenue_cents`)
	SELECT substr(NEW.`created_at`, 1, 10), `product_id`, `quantity`, `line_total_cents` FROM `order_items`
	WHERE `order_id` = NEW.`id` AND NEW.`status` IN ('paid', 'shipped', 'delivered')
		AND (OLD.`status` NOT IN ('paid', 'shipped', 'delivered') OR OLD.`created_at` IS NOT NEW.`created_at` OR OLD.`id` IS NOT NEW.`id`)
	ON CONFLICT (`day`, `product_id`) DO UPDATE SET `quantity` = `quantity` + excluded.`quantity`, `revenue_cents` = `revenue_cents` + excluded.`revenue_cents`;
	INSERT INTO `product_month_sales` (`month`, `product_id`, `quantity`, `revenue_cents`)
	SELECT substr(NEW.`created_at`, 1, 7), `product_id`, `quantity`, `line_total_cents` FROM `order_items`
	WHERE `order_id` = NEW.`id` AND NEW.`status` IN ('paid', 'shipped', 'delivered')
		AND (OLD.`status` NOT IN ('paid', 'shipped', 'delivered') OR OLD.`created_at` IS NOT NEW.`created_at` OR OLD.`id` IS NOT NEW.`id`)
	ON CONFLICT (`month`, `product_id`) DO UPDATE SET `quantity` = `quantity` + excluded.`quantity`, `revenue_cents` = `revenue_cents` + excluded.`revenue_cents`;
END;
--> statement-breakpoint
-- BEFORE, while the lines are still there: the cascade deletes them after, and their own trigger
-- then finds no order and leaves the sales alone.
CREATE TRIGGER `order_rollups_delete` BEFORE DELETE ON `orders` BEGIN
	INSERT INTO `order_day_totals` (`day`, `status`, `slot`, `orders`, `total_cents`)
	VALUES (substr(OLD.`created_at`, 1, 10), OLD.`status`, coalesce(unicode(substr(OLD.`id`, -1)), 0) % 8, -1, -OLD.`total_cents`)
	ON CONFLICT (`day`, `status`, `slot`) DO UPDATE SET `orders` = `orders` + excluded.`orders`, `total_cents` = `total_cents` + excluded.`total_cents`;
	INSERT INTO `product_day_sales` (`day`, `product_id`, `quantity`, `revenue_cents`)
	SELECT substr(OLD.`created_at`, 1, 10), `product_id`, -`quantity`, -`line_total_cents` FROM `order_items`
	WHERE `order_id` = OLD.`id` AND OLD.`status` IN ('paid', 'shipped', 'delivered')
	ON CONFLICT (`day`, `product_id`) DO UPDATE SET `quantity` = `quantity` + excluded.`quantity`, `revenue_cents` = `revenue_cents` + excluded.`revenue_cents`;
	INSERT INTO `product_month_sales` (`month`, `product_id`, `quantity`, `revenue_cents`)
	SELECT substr(OLD.`created_at`, 1, 7), `product_id`, -`quantity`, -`line_total_cents` FROM `order_items`
	WHERE `order_id` = OLD.`id` AND OLD.`status` IN ('paid', 'shipped', 'delivered')
	ON CONFLICT (`month`, `product_id`) DO UPDATE SET `quantity` = `quantity` + excluded.`quantity`, `revenue_cents` = `revenue_cents` + excluded.`revenue_cents`;
END;
--> statement-breakpoint
-- A line counts when its order does; a new order is pending, so placing one costs a single lookup here.
CREATE TRIGGER `order_item_rollups_insert` AFTER INSERT ON `order_items`
WHEN (SELECT `status` FROM `orders` WHERE `id` = NEW.`order_id`) IN ('paid', 'shipped', 'delivered')
BEGIN
	INSERT INTO `product_day_sales` (`day`, `product_id`, `quantity`, `revenue_cents`)
	SELECT substr(`created_at`, 1, 10), NEW.`product_id`, NEW.`quantity`, NEW.`line_total_cents` FROM `orders` WHERE `id` = NEW.`order_id`
	ON CONFLICT (`day`, `product_id`) DO UPDATE SET `quantity` = `quantity` + excluded.`quantity`, `revenue_cents` = `revenue_cents` + excluded.`revenue_cents`;
	INSERT INTO `product_month_sales` (`month`, `product_id`, `quantity`, `revenue_cents`)
	SELECT substr(`created_at`, 1, 7), NEW.`product_id`, NEW.`quantity`, NEW.`line_total_cents` FROM `orders` WHERE `id` = NEW.`order_id`
	ON CONFLICT (`month`, `product_id`) DO UPDATE SET `quantity` = `quantity` + excluded.`quantity`, `revenue_cents` = `revenue_cents` + excluded.`revenue_cents`;
END;
--> statement-breakpoint
CREATE TRIGGER `order_item_rollups_delete` AFTER DELETE ON `order_items`
WHEN (SELECT `status` FROM `orders` WHERE `id` = OLD.`order_id`) IN ('paid', 'shipped', 'delivered')
BEGIN
	INSERT INTO `product_day_sales` (`day`, `product_id`, `quantity`, `revenue_cents`)
	SELECT substr(`created_at`, 1, 10), OLD.`product_id`, -OLD.`quantity`, -OLD.`line_total_cents` FROM `orders` WHERE `id` = OLD.`order_id`
	ON CONFLICT (`day`, `product_id`) DO UPDATE SET `quantity` = `quantity` + excluded.`quantity`, `revenue_cents` = `revenue_cents` + excluded.`revenue_cents`;
	INSERT INTO `product_month_sales` (`month`, `product_id`, `quantity`, `revenue_cents`)
	SELECT substr(`created_at`, 1, 7), OLD.`product_id`, -OLD.`quantity`, -OLD.`line_total_cents` FROM `orders` WHERE `id` = OLD.`order_id`
	ON CONFLICT (`month`, `product_id`) DO UPDATE SET `quantity` = `quantity` + excluded.`quantity`, `revenue_cents` = `revenue_cents` + excluded.`revenue_cents`;
END;
--> statement-breakpoint
-- Lines are snapshots the app never changes; an update is a delete and an insert.
CREATE TRIGGER `order_item_rollups_update` AFTER UPDATE OF `order_id`, `product_id`, `quantity`, `line_total_cents` ON `order_items` BEGIN
	INSERT INTO `product_day_sales` (`day`, `product_id`, `quantity`, `revenue_cents`)
	SELECT substr(`created_at`, 1, 10), OLD.`product_id`, -OLD.`quantity`, -OLD.`line_total_cents` FROM `orders`
	WHERE `id` = OLD.`order_id` AND `status` IN ('paid', 'shipped', 'delivered')
	ON CONFLICT (`day`, `product_id`) DO UPDATE SET `quantity` = `quantity` + excluded.`quantity`, `revenue_cents` = `revenue_cents` + excluded.`revenue_cents`;
	INSERT INTO `product_month_sales` (`month`, `product_id`, `quantity`, `revenue_cents`)
	SELECT substr(`created_at`, 1, 7), OLD.`product_id`, -OLD.`quantity`, -OLD.`line_total_cents` FROM `orders`
	WHERE `id` = OLD.`order_id` AND `status` IN ('paid', 'shipped', 'delivered')
	ON CONFLICT (`month`, `product_id`) DO UPDATE SET `quantity` = `quantity` + excluded.`quantity`, `revenue_cents` = `revenue_cents` + excluded.`revenue_cents`;
	INSERT INTO `product_day_sales` (`day`, `product_id`, `quantity`, `revenue_cents`)
	SELECT substr(`created_at`, 1, 10), NEW.`product_id`, NEW.`quantity`, NEW.`line_total_cents` FROM `orders`
	WHERE `id` = NEW.`order_id` AND `status` IN ('paid', 'shipped', 'delivered')
	ON CONFLICT (`day`, `product_id`) DO UPDATE SET `quantity` = `quantity` + excluded.`quantity`, `revenue_cents` = `revenue_cents` + excluded.`revenue_cents`;
	INSERT INTO `product_month_sales` (`month`, `product_id`, `quantity`, `revenue_cents`)
	SELECT substr(`created_at`, 1, 7), NEW.`product_id`, NEW.`quantity`, NEW.`line_total_cents` FROM `orders`
	WHERE `id` = NEW.`order_id` AND `status` IN ('paid', 'shipped', 'delivered')
	ON CONFLICT (`month`, `product_id`) DO UPDATE SET `quantity` = `quantity` + excluded.`quantity`, `revenue_cents` = `revenue_cents` + excluded.`revenue_cents`;
END;
--> statement-breakpoint
-- The backfill: the orders already there, in the same transaction as the triggers (the migrator's).
INSERT INTO `order_day_totals` (`day`, `status`, `slot`, `orders`, `total_cents`)
SELECT substr(`created_at`, 1, 10), `status`, coalesce(unicode(substr(`id`, -1)), 0) % 8, count(*), sum(`total_cents`) FROM `orders` GROUP BY 1, 2, 3;
--> statement-breakpoint
INSERT INTO `product_day_sales` (`day`, `product_id`, `quantity`, `revenue_cents`)
SELECT substr(o.`created_at`, 1, 10), i.`product_id`, sum(i.`quantity`), sum(i.`line_total_cents`)
FROM `orders` o JOIN `order_items` i ON i.`order_id` = o.`id`
WHERE o.`status` IN ('paid', 'shipped', 'delivered') GROUP BY 1, 2;
--> statement-breakpoint
INSERT INTO `product_month_sales` (`month`, `product_id`, `quantity`, `revenue_cents`)
SELECT substr(`day`, 1, 7), `product_id`, sum(`quantity`), sum(`revenue_cents`) FROM `product_day_sales` GROUP BY 1, 2;
