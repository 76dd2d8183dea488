import type { AppContext } from './context.ts'
import { createProductImages } from './modules/catalog/images.ts'
import { createCatalog } from './modules/catalog/service.ts'
import { createCatalogStore } from './modules/catalog/store/index.ts'

/**
 * Every store and service of a running Kiosk, built once from the context. createApp's modules,
 * the scheduler's jobs, the webhook worker and the CLI commands all use these same objects.
 */
export function createServices(ctx: AppContext) {
  const catalogStore = createCatalogStore(ctx.sqlite)
  const catalog = createCatalog(catalogStore, ctx)
  const images = createProductImages(ctx, catalog)
  return {
    catalog,
    images,
  }
}

export type Services = ReturnType<typeof createServices>
