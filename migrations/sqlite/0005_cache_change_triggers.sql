-- Cache keys made stale by a commit, logged in the same transaction by triggers, so every writer
-- (any worker process, kiosk create-admin) tells the other processes which entries to drop.
-- The key spellings are src/lib/cache.ts's cacheKeys. Hand-written (drizzle-kit generate --custom).
CREATE TRIGGER `cache_changes_product_update` AFTER UPDATE ON `products` BEGIN
	INSERT INTO `cache_changes`(`key`, `at`) VALUES ('product:' || old.`id`, CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
--> statement-breakpoint
CREATE TRIGGER `cache_changes_product_delete` AFTER DELETE ON `products` BEGIN
	INSERT INTO `cache_changes`(`key`, `at`) VALUES ('product:' || old.`id`, CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
--> statement-breakpoint
CREATE TRIGGER `cache_changes_user_update` AFTER UPDATE ON `users` BEGIN
	INSERT INTO `cache_changes`(`key`, `at`) VALUES ('user-auth:' || old.`id`, CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
--> statement-breakpoint
CREATE TRIGGER `cache_changes_user_delete` AFTER DELETE ON `users` BEGIN
	INSERT INTO `cache_changes`(`key`, `at`) VALUES ('user-auth:' || old.`id`, CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
