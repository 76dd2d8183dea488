-- Search paging reads only what a page needs (src/modules/catalog/store/search.ts, byRelevance):
-- products_name_fts indexes names alone, so the name tier walks a doclist of names only (a column
-- filter on products_fts would read every description's postings of the word to find none);
-- prefix indexes of 1 to 6 characters let a prefix query walk one stored doclist lazily instead of
-- merging the doclist of every term with that prefix before the first row; and both index the
-- category as one token (products.category_key), so a search in a category walks the matches of
-- both at once. The FTS5 options of a table can't be altered: products_fts is rebuilt.
-- Hand-written (drizzle-kit generate --custom).
DROP TRIGGER `products_fts_insert`;
--> statement-breakpoint
DROP TRIGGER `products_fts_delete`;
--> statement-breakpoint
DROP TRIGGER `products_fts_update`;
--> statement-breakpoint
DROP TABLE `products_fts`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `products_fts` USING fts5(
	`name`, `description`, `sku`, `category_key`,
	content='products', content_rowid='rowid',
	tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4 5 6'
);
--> statement-breakpoint
INSERT INTO `products_fts`(`products_fts`) VALUES ('rebuild');
--> statement-breakpoint
CREATE VIRTUAL TABLE `products_name_fts` USING fts5(
	`name`, `category_key`,
	content='products', content_rowid='rowid',
	tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4 5 6'
);
--> statement-breakpoint
INSERT INTO `products_name_fts`(`products_name_fts`) VALUES ('rebuild');
--> statement-breakpoint
CREATE TRIGGER `products_fts_insert` AFTER INSERT ON `products` BEGIN
	INSERT INTO `products_fts`(`rowid`, `name`, `description`, `sku`, `category_key`) VALUES (new.`rowid`, new.`name`, new.`description`, new.`sku`, new.`category_key`);
	INSERT INTO `products_name_fts`(`rowid`, `name`, `category_key`) VALUES (new.`rowid`, new.`name`, new.`category_key`);
END;
--> statement-breakpoint
CREATE TRIGGER `products_fts_delete` AFTER DELETE ON `products` BEGIN
	INSERT INTO `products_fts`(`products_fts`, `rowid`, `name`, `description`, `sku`, `category_key`) VALUES ('delete', old.`rowid`, old.`name`, old.`description`, old.`sku`, old.`category_key`);
	INSERT INTO `products_name_fts`(`products_name_fts`, `rowid`, `name`, `category_key`) VALUES ('delete', old.`rowid`, old.`name`, old.`category_key`);
END;
--> statement-breakpoint
CREATE TRIGGER `products_fts_update` AFTER UPDATE OF `name`, `description`, `sku`, `category` ON `products` BEGIN
	INSERT INTO `products_fts`(`products_fts`, `rowid`, `name`, `description`, `sku`, `category_key`) VALUES ('delete', old.`rowid`, old.`name`, old.`description`, old.`sku`, old.`category_key`);
	INSERT INTO `products_fts`(`rowid`, `name`, `description`, `sku`, `category_key`) VALUES (new.`rowid`, new.`name`, new.`description`, new.`sku`, new.`category_key`);
	INSERT INTO `products_name_fts`(`products_name_fts`, `rowid`, `name`, `category_key`) VALUES ('delete', old.`rowid`, old.`name`, old.`category_key`);
	INSERT INTO `products_name_fts`(`rowid`, `name`, `category_key`) VALUES (new.`rowid`, new.`name`, new.`category_key`);
END;
