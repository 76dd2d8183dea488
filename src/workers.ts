/**
 * Worker entry points. Their URLs are spelled here, beside main.ts, on purpose: inside the
 * compiled executable every module's `import.meta.url` is main's, and the worker files sit at
 * their source paths relative to it (scripts/build.ts builds each one in as an entry point).
 */
export const WORKERS = {
  reportSummary: new URL('./modules/reports/summary-worker.ts', import.meta.url).href,
  backup: new URL('./jobs/backup-worker.ts', import.meta.url).href,
}
