-- The summary report's rollups (order_day_totals, product_day_sales, product_month_sales) kept by
-- triggers in the writing transaction, so every writer (the order store, the demo seeder, plain SQL)
-- keeps them exact; then filled from the orders already there. The same rows as SQLite's triggers:
-- a day is substr(created_at, 1, 10) (the UTC date), a month substr(created_at, 1, 7); sales are the
-- lines of orders in the revenue statuses (paid, shipped, delivered); the slot is the order id's
-- last character mod 8, so concurrent orders of one day don't all wait on one row's lock.
-- Every upsert adds (`x = x + excluded.x`), so concurrent writers compose; each statement touches
-- its rows in key order, and after any product row (see src/modules/orders/store/pg.ts), so two
-- writers never wait on each other's rows in a cycle. Hand-written (drizzle-kit generate --custom).
CREATE FUNCTION kiosk_add_order_totals(d text, s text, sl integer, n integer, total bigint) RETURNS void LANGUAGE sql AS $$
	INSERT INTO order_day_totals AS t (day, status, slot, orders, total_cents) VALUES (d, s, sl, n, total)
	ON CONFLICT (day, status, slot) DO UPDATE SET orders = t.orders + excluded.orders, total_cents = t.total_cents + excluded.total_cents;
$$;
--> statement-breakpoint
-- Adds one order's lines (sign 1) or takes them away (sign -1), by product id, day then month.
CREATE FUNCTION kiosk_add_order_sales(order_id text, created_at text, sign integer) RETURNS void LANGUAGE sql AS $$
	INSERT INTO product_day_sales AS t (day, product_id, quantity, revenue_cents)
	SELECT substr(created_at, 1, 10), i.product_id, sign * sum(i.quantity), sign * sum(i.line_total_cents)
	FROM order_items i WHERE i.order_id = kiosk_add_order_sales.order_id GROUP BY i.product_id ORDER BY i.product_id
	ON CONFLICT (day, product_id) DO UPDATE SET quantity = t.quantity + excluded.quantity, revenue_cents = t.revenue_cents + excluded.revenue_cents;
	INSERT INTO product_month_sales AS t (month, product_id, quantity, revenue_cents)
	SELECT substr(created_at, 1, 7), i.product_id, sign * sum(i.quantity), sign * sum(i.line_total_cents)
	FROM order_items i WHERE i.order_id = kiosk_add_order_sales.order_id GROUP BY i.product_id ORDER BY i.product_id
	ON CONFLICT (month, product_id) DO UPDATE SET quantity = t.quantity + excluded.quantity, revenue_cents = t.revenue_cents + excluded.revenue_cents;
$$;
--> statement-breakpoint
-- One line of an order that counts: added (sign 1) or taken away (sign -1); nothing when the order doesn't count (or is gone).
CREATE FUNCTION kiosk_add_line_sales(order_id text, product_id text, quantity bigint, revenue bigint, sign integer) RETURNS void LANGUAGE sql AS $$
	INSERT INTO product_day_sales AS t (day, product_id, quantity, revenue_cents)
	SELECT substr(o.created_at, 1, 10), kiosk_add_line_sales.product_id, sign * kiosk_add_line_sales.quantity, sign * revenue
	FROM orders o WHERE o.id = kiosk_add_line_sales.order_id AND o.status IN ('paid', 'shipped', 'delivered')
	ON CONFLICT (day, product_id) DO UPDATE SET quantity = t.quantity + excluded.quantity, revenue_cents = t.revenue_cents + excluded.revenue_cents;
	INSERT INTO product_month_sales AS t (month, product_id, quantity, revenue_cents)
	SELECT substr(o.created_at, 1, 7), kiosk_add_line_sales.product_id, sign * kiosk_add_line_sales.quantity, sign * revenue
	FROM orders o WHERE o.id = kiosk_add_line_sales.order_id AND o.status IN ('paid', 'shipped', 'delivered')
	ON CONFLICT (month, product_id) DO UPDATE SET quantity = t.quantity + excluded.quantity, revenue_cents = t.revenue_cents + excluded.revenue_cents;
$$;
--> statement-breakpoint
-- A new order, counted at COMMIT (a deferred constraint trigger): the day's row is locked only
-- for the commit, not for the rest of the placing transaction, so concurrent orders queue on it
-- less. Its figures are the order's as inserted; a status change in the same transaction has
-- already moved them (additions commute).
CREATE FUNCTION kiosk_order_rollups_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM kiosk_add_order_totals(substr(NEW.created_at, 1, 10), NEW.status, ascii(right(NEW.id, 1)) % 8, 1, NEW.total_cents::bigint);
	RETURN NULL;
END $$;
--> statement-breakpoint
-- A status change (the only update the app makes) moves the order from one row to another; its
-- lines leave or join the sales when it leaves or enters the revenue statuses.
CREATE FUNCTION kiosk_order_rollups_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	counted_before boolean := OLD.status IN ('paid', 'shipped', 'delivered');
	counted_now boolean := NEW.status IN ('paid', 'shipped', 'delivered');
	moved boolean := OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.id IS DISTINCT FROM NEW.id;
BEGIN
	INSERT INTO order_day_totals AS t (day, status, slot, orders, total_cents)
	SELECT day, status, slot, sum(orders), sum(total) FROM (VALUES
		(substr(OLD.created_at, 1, 10), OLD.status, ascii(right(OLD.id, 1)) % 8, -1, -OLD.total_cents::bigint),
		(substr(NEW.created_at, 1, 10), NEW.status, ascii(right(NEW.id, 1)) % 8, 1, NEW.total_cents::bigint)
	) AS change(day, status, slot, orders, total)
	GROUP BY 1, 2, 3 HAVING sum(orders) <> 0 OR sum(total) <> 0 ORDER BY 1, 2, 3
	ON CONFLICT (day, status, slot) DO UPDATE SET orders = t.orders + excluded.orders, total_cents = t.total_cents + excluded.total_cents;
	IF counted_before AND (NOT counted_now OR moved) THEN PERFORM kiosk_add_order_sales(OLD.id, OLD.created_at, -1); END IF;
	IF counted_now AND (NOT counted_before OR moved) THEN PERFORM kiosk_add_order_sales(NEW.id, NEW.created_at, 1); END IF;
	RETURN NULL;
END $$;
--> statement-breakpoint
-- BEFORE, while the lines are still there: the cascade deletes them after, and their own trigger
-- then finds no order and leaves the sales alone.
CREATE FUNCTION kiosk_order_rollups_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM kiosk_add_order_totals(substr(OLD.created_at, 1, 10), OLD.status, ascii(right(OLD.id, 1)) % 8, -1, -OLD.total_cents::bigint);
	IF OLD.status IN ('paid', 'shipped', 'delivered') THEN PERFORM kiosk_add_order_sales(OLD.id, OLD.created_at, -1); END IF;
	RETURN OLD;
END $$;
--> statement-breakpoint
-- New lines count when their order does; a new order is pending, so placing one adds nothing
-- here (one look, then done).
CREATE FUNCTION kiosk_order_item_rollups_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM new_items i JOIN orders o ON o.id = i.order_id WHERE o.status IN ('paid', 'shipped', 'delivered')) THEN
		RETURN NULL;
	END IF;
	INSERT INTO product_day_sales AS t (day, product_id, quantity, revenue_cents)
	SELECT substr(o.created_at, 1, 10), i.product_id, sum(i.quantity), sum(i.line_total_cents)
	FROM new_items i JOIN orders o ON o.id = i.order_id WHERE o.status IN ('paid', 'shipped', 'delivered')
	GROUP BY 1, 2 ORDER BY 1, 2
	ON CONFLICT (day, product_id) DO UPDATE SET quantity = t.quantity + excluded.quantity, revenue_cents = t.revenue_cents + excluded.revenue_cents;
	INSERT INTO product_month_sales AS t (month, product_id, quantity, revenue_cents)
	SELECT substr(o.created_at, 1, 7), i.product_id, sum(i.quantity), sum(i.line_total_cents)
	FROM new_items i JOIN orders o ON o.id = i.order_id WHERE o.status IN ('paid', 'shipped', 'delivered')
	GROUP BY 1, 2 ORDER BY 1, 2
	ON CONFLICT (month, product_id) DO UPDATE SET quantity = t.quantity + excluded.quantity, revenue_cents = t.revenue_cents + excluded.revenue_cents;
	RETURN NULL;
END $$;
--> statement-breakpoint
-- Lines are snapshots the app never changes or deletes (but a cascade does); an update is a delete and an insert.
CREATE FUNCTION kiosk_order_item_rollups_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM kiosk_add_line_sales(OLD.order_id, OLD.product_id, OLD.quantity, OLD.line_total_cents, -1);
	IF TG_OP = 'UPDATE' THEN PERFORM kiosk_add_line_sales(NEW.order_id, NEW.product_id, NEW.quantity, NEW.line_total_cents, 1); END IF;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER order_rollups_insert AFTER INSERT ON orders DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION kiosk_order_rollups_insert();
--> statement-breakpoint
CREATE TRIGGER order_rollups_update AFTER UPDATE ON orders FOR EACH ROW
	WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.status IS DISTINCT FROM NEW.status OR OLD.total_cents IS DISTINCT FROM NEW.total_cents OR OLD.created_at IS DISTINCT FROM NEW.created_at)
	EXECUTE FUNCTION kiosk_order_rollups_update();
--> statement-breakpoint
CREATE TRIGGER order_rollups_delete BEFORE DELETE ON orders FOR EACH ROW EXECUTE FUNCTION kiosk_order_rollups_delete();
--> statement-breakpoint
CREATE TRIGGER order_item_rollups_insert AFTER INSERT ON order_items REFERENCING NEW TABLE AS new_items
	FOR EACH STATEMENT EXECUTE FUNCTION kiosk_order_item_rollups_insert();
--> statement-breakpoint
CREATE TRIGGER order_item_rollups_change AFTER UPDATE OF order_id, product_id, quantity, line_total_cents OR DELETE ON order_items
	FOR EACH ROW EXECUTE FUNCTION kiosk_order_item_rollups_change();
--> statement-breakpoint
-- The backfill: the orders already there. CREATE TRIGGER locks out writers until the migrator's
-- transaction commits, so none is missed or counted twice.
INSERT INTO order_day_totals (day, status, slot, orders, total_cents)
SELECT substr(created_at, 1, 10), status, ascii(right(id, 1)) % 8, count(*), sum(total_cents) FROM orders GROUP BY 1, 2, 3;
--> statement-breakpoint
INSERT INTO product_day_sales (day, product_id, quantity, revenue_cents)
SELECT substr(o.created_at, 1, 10), i.product_id, sum(i.quantity), sum(i.line_total_cents)
FROM orders o JOIN order_items i ON i.order_id = o.id
WHERE o.status IN ('paid', 'shipped', 'delivered') GROUP BY 1, 2;
--> statement-breakpoint
INSERT INTO product_month_sales (month, product_id, quantity, revenue_cents)
SELECT substr(day, 1, 7), product_id, sum(quantity), sum(revenue_cents) FROM product_day_sales GROUP BY 1, 2;
