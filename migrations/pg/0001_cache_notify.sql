-- Cache keys made stale by a commit, sent on the kiosk_cache channel by triggers in the committing
-- transaction: PostgreSQL delivers a NOTIFY at COMMIT only, to every listening connection (every
-- process and replica, kiosk create-admin's writes included). The key spellings are
-- src/lib/cache.ts's cacheKeys. Hand-written (drizzle-kit generate --custom).
CREATE FUNCTION kiosk_notify_product_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('kiosk_cache', 'product:' || OLD.id);
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION kiosk_notify_user_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('kiosk_cache', 'user-auth:' || OLD.id);
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER cache_changes_product AFTER UPDATE OR DELETE ON products FOR EACH ROW EXECUTE FUNCTION kiosk_notify_product_change();
--> statement-breakpoint
CREATE TRIGGER cache_changes_user AFTER UPDATE OR DELETE ON users FOR EACH ROW EXECUTE FUNCTION kiosk_notify_user_change();
