import type { AppContext } from '../context.ts'
import { migrateDatabase } from '../db/database.ts'
import { sweepOrphanImages } from '../modules/catalog/images.ts'
import { SNAPSHOT_FOLDER } from '../modules/reports/snapshots.ts'
import { createServices, type Services } from '../services.ts'

/**
 * Before anything serves (a single process, or a supervisor before it starts its workers): the
 * schema is current, then the services are built, and files of uploads a crash interrupted are removed while no upload is in flight.
 */
export async function prepareData(ctx: AppContext): Promise<Services> {
  const applied = await migrateDatabase(ctx.database)
  if (applied.length) ctx.logger.info({ migrations: applied }, 'database migrated')
  // Built after migrating: stores prepare their statements on the tables.
  const services = createServices(ctx)
  await sweepOrphanImages(ctx, services.stores.catalog, services.stores.files)
  // A snapshot write a crash cut off leaves its temp file (never listed nor served): removed too.
  const snapshots = await services.stores.files.sweepPartial(SNAPSHOT_FOLDER)
  if (snapshots) ctx.logger.info({ removed: snapshots }, 'interrupted snapshot writes removed')
  return services
}
