/** One file of the bundled dashboard: its media type and its text (the page has no binary assets). */
export interface DashboardFile {
  type: string
  text: string
}

/**
 * A macro (imported `with { type: 'macro' }`): it runs when the importing file is transpiled,
 * so `bun build --compile` inlines the bundled page into the executable, and running from
 * sources (`bun test`, `bun run start`) bundles it when the page is first asked for.
 */
export function bundleDashboard(): { files: Record<string, DashboardFile> } {
  const run = Bun.spawnSync([process.execPath, `${import.meta.dir}/bundler.ts`], { stdout: 'pipe', stderr: 'pipe' })
  if (run.exitCode !== 0) throw new Error(`bundling the dashboard failed: ${run.stderr.toString()}`)
  return JSON.parse(run.stdout.toString())
}
