import { t, type Static } from 'elysia'
import { chars, Id, JsonInt as Int, Page, PageQuery, Timestamp } from '../../lib/schema.ts'

/*
 * Catalog schemas: validation, OpenAPI and types at once. Limits are the contract's.
 */

export const PRICE_MAX = 1_000_000_000
/** The contract only says stock ≥ 0; a ceiling keeps sums of stock far from unsafe integers. */
export const STOCK_MAX = 1_000_000_000

export const SORTS = ['name', '-name', 'price', '-price', 'created_at', '-created_at'] as const
export type Sort = (typeof SORTS)[number]

const Sku = t.String({
  pattern: '^[A-Za-z0-9._-]{1,64}$',
  error: 'must be 1 to 64 characters of A-Z, a-z, 0-9, ".", "_" or "-"',
  description: 'Stock keeping unit, unique (case-sensitive); 1..64 of [A-Za-z0-9._-]',
  examples: ['OAK-CHAIR-01'],
})
const Name = chars(1, 200, { description: 'Product name', example: 'Sturdy oak chair' })
const Description = chars(0, 5000, { description: 'Free text' })
const Category = chars(1, 100, { description: 'Category (exact-match filter on lists)' })
const PriceCents = Int({
  minimum: 0,
  maximum: PRICE_MAX,
  error: `must be an integer from 0 to ${PRICE_MAX}`,
  description: 'Price in minor units of the store currency',
  examples: [1999],
})
const Stock = Int({
  minimum: 0,
  maximum: STOCK_MAX,
  error: `must be an integer from 0 to ${STOCK_MAX}`,
  description: 'Units available',
})

export const Product = t.Object(
  {
    id: Id,
    sku: t.String({ description: 'Unique stock keeping unit' }),
    name: t.String(),
    description: t.String(),
    category: t.Union([t.String(), t.Null()]),
    price_cents: Int({ minimum: 0, maximum: PRICE_MAX, description: 'Price in minor units of the store currency' }),
    stock: Int({ minimum: 0 }),
    active: t.Boolean({ description: 'Inactive (archived) products are visible to administrators only' }),
    image_url: t.Union([t.String(), t.Null()], { description: '`/products/{id}/image` when the product has an image' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: 'Product', additionalProperties: false, description: 'A product' },
)
export type ProductJson = Static<typeof Product>

export const ProductPage = Page(Product, 'ProductPage', 'A page of products')

export const CreateProduct = t.Object(
  {
    sku: Sku,
    name: Name,
    description: t.Optional(Description),
    category: t.Optional(t.Union([Category, t.Null()])),
    price_cents: PriceCents,
    stock: t.Optional(Stock),
    active: t.Optional(t.Boolean({ description: 'Default true' })),
  },
  { title: 'ProductCreate', description: 'A new product; description defaults to "", category to null, stock to 0, active to true' },
)
export type CreateProductInput = Static<typeof CreateProduct>

export const UpdateProduct = t.Object(
  {
    sku: t.Optional(Sku),
    name: t.Optional(Name),
    description: t.Optional(Description),
    category: t.Optional(t.Union([Category, t.Null()])),
    price_cents: t.Optional(PriceCents),
    stock: t.Optional(Stock),
    active: t.Optional(t.Boolean()),
  },
  { title: 'ProductUpdate', description: 'The fields to change; absent fields keep their value, unknown fields are ignored' },
)
export type UpdateProductInput = Static<typeof UpdateProduct>

export const ListQuery = t.Object({
  q: t.Optional(
    chars(0, 200, {
      description:
        'Full-text search over name, description and sku. Words are matched literally (search syntax is not interpreted), all must match, the last one as a prefix. Without `sort`, results are ordered by relevance',
    }),
  ),
  category: t.Optional(Category),
  min_price: t.Optional(t.Integer({ minimum: 0, maximum: PRICE_MAX, description: 'Lowest price_cents, inclusive' })),
  max_price: t.Optional(t.Integer({ minimum: 0, maximum: PRICE_MAX, description: 'Highest price_cents, inclusive' })),
  in_stock: t.Optional(t.Boolean({ description: 'true: stock > 0 only; false: stock = 0 only' })),
  sort: t.Optional(
    t.UnionEnum(SORTS, {
      // UnionEnum defaults to its first value; the default here depends on `q`, so there is none.
      default: undefined,
      description:
        'Sort key, `-` for descending; ties are broken by id. `name` is case-insensitive. Default `-created_at`, or relevance when `q` is given',
      error: `must be one of ${SORTS.join(', ')}`,
    }),
  ),
  ...PageQuery,
})
export type ListQueryInput = Static<typeof ListQuery>

export const ProductParams = t.Object({ id: Id })
