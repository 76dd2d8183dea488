import { PRODUCT_COLUMNS } from '../product.ts'

/**
 * PRODUCT_COLUMNS of products `p` as the services expect them (SQLite's values): `active` as 0/1.
 * For assembled statements; pg.ts spells the same list out in its static templates.
 */
export const PG_PRODUCT_SELECT = PRODUCT_COLUMNS.map((column) => (column === 'active' ? 'p.active::int AS active' : `p.${column}`)).join(', ')
