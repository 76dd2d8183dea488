CREATE TABLE "job_ticks" (
	"job" text COLLATE "C" NOT NULL,
	"tick" text COLLATE "C" NOT NULL,
	"holder" text COLLATE "C" NOT NULL,
	"at" bigint NOT NULL,
	CONSTRAINT "job_ticks_job_tick_pk" PRIMARY KEY("job","tick")
);
--> statement-breakpoint
CREATE INDEX "job_ticks_at_idx" ON "job_ticks" USING btree ("at");