-- Full-text index over products (name, description, sku), kept in step with the table by triggers.
-- drizzle-kit cannot describe virtual tables, so this migration is hand-written (drizzle-kit generate --custom).
CREATE VIRTUAL TABLE `products_fts` USING fts5(
	`name`, `description`, `sku`,
	content='products', content_rowid='rowid',
	tokenize='unicode61 remove_diacritics 2'
);
--> statement-breakpoint
INSERT INTO `products_fts`(`rowid`, `name`, `description`, `sku`) SELECT `rowid`, `name`, `description`, `sku` FROM `products`;
--> statement-breakpoint
CREATE TRIGGER `products_fts_insert` AFTER INSERT ON `products` BEGIN
	INSERT INTO `products_fts`(`rowid`, `name`, `description`, `sku`) VALUES (new.`rowid`, new.`name`, new.`description`, new.`sku`);
END;
--> statement-breakpoint
CREATE TRIGGER `products_fts_delete` AFTER DELETE ON `products` BEGIN
	INSERT INTO `products_fts`(`products_fts`, `rowid`, `name`, `description`, `sku`) VALUES ('delete', old.`rowid`, old.`name`, old.`description`, old.`sku`);
END;
--> statement-breakpoint
CREATE TRIGGER `products_fts_update` AFTER UPDATE OF `name`, `description`, `sku` ON `products` BEGIN
	INSERT INTO `products_fts`(`products_fts`, `rowid`, `name`, `description`, `sku`) VALUES ('delete', old.`rowid`, old.`name`, old.`description`, old.`sku`);
	INSERT INTO `products_fts`(`rowid`, `name`, `description`, `sku`) VALUES (new.`rowid`, new.`name`, new.`description`, new.`sku`);
END;
