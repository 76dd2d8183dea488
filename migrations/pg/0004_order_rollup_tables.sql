CREATE TABLE "order_day_totals" (
	"day" text COLLATE "C" NOT NULL,
	"status" text COLLATE "C" NOT NULL,
	"slot" integer NOT NULL,
	"orders" integer NOT NULL,
	"total_cents" bigint NOT NULL,
	CONSTRAINT "order_day_totals_day_status_slot_pk" PRIMARY KEY("day","status","slot")
);
--> statement-breakpoint
CREATE TABLE "product_day_sales" (
	"day" text COLLATE "C" NOT NULL,
	"product_id" text COLLATE "C" NOT NULL,
	"quantity" bigint NOT NULL,
	"revenue_cents" bigint NOT NULL,
	CONSTRAINT "product_day_sales_day_product_id_pk" PRIMARY KEY("day","product_id")
);
--> statement-breakpoint
CREATE TABLE "product_month_sales" (
	"month" text COLLATE "C" NOT NULL,
	"product_id" text COLLATE "C" NOT NULL,
	"quantity" bigint NOT NULL,
	"revenue_cents" bigint NOT NULL,
	CONSTRAINT "product_month_sales_month_product_id_pk" PRIMARY KEY("month","product_id")
);
