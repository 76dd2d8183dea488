import { withHeaders } from '@elysiajs/openapi'
import { Elysia, t } from 'elysia'
import { OPTIONALLY_SECURED, optionalUser, type authPlugin } from '../../http/auth.ts'
import { matchesIfNoneMatch } from '../../http/conditional.ts'
import { problemResponses } from '../../http/problem.ts'
import { prebuiltResponse } from '../../http/response-headers.ts'
import { NotFoundError } from '../../lib/errors.ts'
import { IMAGE_TYPES } from './image-type.ts'
import type { ProductImages } from './images.ts'
import { CreateProduct, ListQuery, Product, ProductPage, ProductParams, UpdateProduct } from './model.ts'
import { JSON_CONTENT_TYPE, productPath } from './product.ts'
import type { Catalog } from './service.ts'
import { readImageUpload } from './upload.ts'

const ETag = t.String({ description: 'Strong validator of the representation; send it back as If-None-Match' })
const NotModified = t.Void({ description: 'Not Modified: the If-None-Match ETag is current; no body' })
const NoContent = t.Void({ description: 'Done; no body' })
const ImageBytes = t.String({
  format: 'binary',
  contentMediaType: 'image/*',
  description: 'The image bytes, with the Content-Type they were stored with (PNG, JPEG, WebP or GIF)',
})

/** Stops Elysia from parsing an upload's body: the handler reads it as a stream, with the size limit. */
const RAW_BODY = Symbol('raw body')

const IMAGE_MEDIA_TYPES = Object.keys(IMAGE_TYPES)

const listResponse = (page: unknown) => new Response(JSON.stringify(page), { headers: { 'content-type': JSON_CONTENT_TYPE } })

export const catalogModule = (
  services: { catalog: Catalog; images: ProductImages; maxImageBytes: number },
  auth: ReturnType<typeof authPlugin>,
) => {
  const { catalog, images, maxImageBytes } = services

  return new Elysia({ prefix: '/products', tags: ['Catalog'] })
    .use(auth)
    .get(
      '',
      async ({ query, user }) =>
        // A ready Response: the items are typed against the schema, so Elysia's per-item response
        // validation and cleaning, which cost more than the query, are skipped on this hot path.
        listResponse(await catalog.list(
          {
            q: query.q,
            category: query.category,
            minPrice: query.min_price,
            maxPrice: query.max_price,
            inStock: query.in_stock,
            sort: query.sort,
            limit: query.limit ?? 20,
            cursor: query.cursor,
          },
          user,
        )),
      {
        optionalAuth: true,
        query: ListQuery,
        response: { 200: ProductPage, ...problemResponses(401, 422) },
        detail: {
          summary: 'List and search products',
          description:
            'Cursor-paginated (keyset, stable under inserts). Filters combine with AND. Without `q` the default order is `-created_at`. ' +
            'With `q` (full-text over name, description and sku; words are literal, the last one a prefix) and no `sort`, the order is ' +
            'relevance: 4 points per match in the name, 2 in the sku, 1 in the description (at most 3), then newest first; the score ' +
            'depends only on the product and the query, so pages stay stable under inserts. With `q` and `sort`, matches come in that sort. ' +
            'A cursor is bound to its sort and filters: reusing it with others is 422. Inactive products are listed for administrators only.',
        },
      },
    )
    .get(
      '/:id',
      // The optional token is checked here rather than by the optionalAuth macro, whose two async hooks
      // every anonymous read would await; the id is any string, so nothing fails validation before it.
      async ({ params, request }) => {
        const pending = optionalUser(auth.authenticator, request)
        const entry = await catalog.visible(params.id, pending && (await pending))
        if (matchesIfNoneMatch(request.headers.get('if-none-match'), entry.etag)) {
          return prebuiltResponse(null, { status: 304, headers: entry.notModifiedHeaders })
        }
        return prebuiltResponse(entry.body, { headers: entry.headers })
      },
      {
        params: ProductParams,
        response: {
          200: withHeaders(Product, { etag: ETag, 'cache-control': t.Literal('no-cache') }),
          304: withHeaders(NotModified, { etag: ETag }),
          ...problemResponses(401, 404),
        },
        detail: {
          summary: 'Get a product',
          description:
            'Served from an in-process LRU cache that every write invalidates. Carries a strong `ETag` and `Cache-Control: no-cache`; ' +
            'a matching `If-None-Match` is answered 304 with no body. An inactive product is 404 except for administrators.',
          // What the optionalAuth macro documents.
          security: OPTIONALLY_SECURED,
        },
      },
    )
    .post(
      '',
      async ({ body, set, status }) => {
        const product = await catalog.create(body)
        set.headers.location = productPath(product.id)
        return status(201, product)
      },
      {
        auth: 'admin',
        body: CreateProduct,
        response: {
          201: withHeaders(t.Object(Product.properties, { title: 'Product', additionalProperties: false, description: 'The product, created' }), {
            location: t.String({ description: 'URL of the new product' }),
          }),
          ...problemResponses(400, 401, 403, 409, 413, 422),
        },
        detail: { summary: 'Create a product', description: '409 when the sku is taken. Fields other than the documented ones are ignored.' },
      },
    )
    .patch('/:id', ({ params, body }) => catalog.update(params.id, body), {
      auth: 'admin',
      params: ProductParams,
      body: UpdateProduct,
      response: { 200: Product, ...problemResponses(400, 401, 403, 404, 409, 413, 422) },
      detail: {
        summary: 'Change a product',
        description: 'Sets the given fields; `category: null` clears the category. 409 when the new sku is taken. The cached product is dropped on commit.',
      },
    })
    .delete(
      '/:id',
      async ({ params, status }) => {
        const { outcome, imageKey } = await catalog.remove(params.id)
        if (outcome === 'deleted') await images.removeFile(imageKey)
        return status(204, undefined)
      },
      {
        auth: 'admin',
        params: ProductParams,
        response: { 204: NoContent, ...problemResponses(401, 403, 404) },
        detail: {
          summary: 'Delete or archive a product',
          description: 'Deletes a product (and its image) that no order references; archives one that orders reference (`active` becomes false).',
        },
      },
    )
    .put(
      '/:id/image',
      async ({ params, request }) => {
        // 404 before reading a body that could be megabytes long.
        await catalog.requireRow(params.id)
        return images.put(params.id, await readImageUpload(request, maxImageBytes))
      },
      {
        auth: 'admin',
        params: ProductParams,
        parse: () => RAW_BODY,
        response: { 200: Product, ...problemResponses(400, 401, 403, 404, 413, 415, 422) },
        detail: {
          summary: 'Upload the product image',
          description:
            `The raw image as the body, or a multipart form with the image in the field \`file\`. PNG, JPEG, WebP or GIF, judged by the bytes ` +
            `(the Content-Type header is not trusted; SVG, HTML and files with markup are 415), at most IMAGE_MAX_BYTES ` +
            `(default 5 MiB; 413 otherwise). Replaces any previous image. Answers the updated product.`,
          requestBody: {
            required: true,
            content: {
              ...Object.fromEntries(IMAGE_MEDIA_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }])),
              'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
              'multipart/form-data': {
                schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } },
              },
            },
          },
        },
      },
    )
    .get(
      '/:id/image',
      async ({ params, user, request }) => {
        const entry = await catalog.visible(params.id, user)
        const image = await images.file(entry)
        if (!image) throw new NotFoundError('The product has no image.')
        const headers = { etag: image.etag, 'cache-control': 'no-cache' }
        if (matchesIfNoneMatch(request.headers.get('if-none-match'), image.etag)) return new Response(null, { status: 304, headers })
        return new Response(image.blob, { headers: { ...headers, 'content-type': image.type } })
      },
      {
        optionalAuth: true,
        params: ProductParams,
        response: {
          200: withHeaders(ImageBytes, { etag: ETag, 'cache-control': t.Literal('no-cache') }),
          304: withHeaders(NotModified, { etag: ETag }),
          ...problemResponses(401, 404),
        },
        detail: {
          summary: 'Get the product image',
          description: 'The stored bytes with their image Content-Type, a strong `ETag` (304 on `If-None-Match`) and `Cache-Control: no-cache`. 404 when the product has no image.',
        },
      },
    )
    .delete(
      '/:id/image',
      async ({ params, status }) => {
        await images.remove(params.id)
        return status(204, undefined)
      },
      {
        auth: 'admin',
        params: ProductParams,
        response: { 204: NoContent, ...problemResponses(401, 403, 404) },
        detail: { summary: 'Remove the product image', description: '404 when the product is unknown or has no image.' },
      },
    )
}
