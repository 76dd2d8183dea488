import { Elysia } from 'elysia'
import type { authPlugin } from '../../http/auth.ts'
import { problemResponses } from '../../http/problem.ts'
import { ForbiddenError } from '../../lib/errors.ts'
import { dateRange } from './dates.ts'
import { CreateOrderBody, CreateOrderHeaders, Order, OrderIdParams, OrderListQuery, OrderPage, UpdateOrderBody } from './model.ts'
import type { OrderService } from './service.ts'
import type { RecoveryService } from '../auth/recovery.ts'

const orderPath = (id: string) => `/orders/${id}`
const JSON_HEADERS = { 'content-type': 'application/json' }

/** Ordering, the caller's orders (all of them for admins), cancellation and status changes. */
export function ordersModule(services: { orders: OrderService; recovery?: RecoveryService }, auth: ReturnType<typeof authPlugin>) {
  const { orders, recovery } = services
  return new Elysia({ prefix: '/orders', tags: ['Orders'] })
    .use(auth)
    .post(
      '',
      async ({ user, body, headers, set, status }) => {
        await recovery?.requireVerifiedToOrder(user.id)
        const created = await orders.create(user, body, headers['idempotency-key'])
        set.headers.location = orderPath(created.order.id)
        if (created.replayed) set.headers['idempotent-replayed'] = 'true'
        // The JSON the store serialised once (and remembered for Idempotency-Key), sent as is:
        // Elysia neither validates nor encodes a Response through the 201 schema, which stays
        // documented below and is checked against real answers by test/proof/openapi-responses.
        // Typed as the order, so the route's type (and the typed client's) stays the Order.
        const prebuilt = new Response(created.body, { status: 201, headers: JSON_HEADERS })
        return status(201, prebuilt as unknown as typeof created.order)
      },
      {
        auth: 'user',
        body: CreateOrderBody,
        headers: CreateOrderHeaders,
        response: { 201: Order, ...problemResponses(403, 409) },
        detail: {
          summary: 'Place an order',
          description:
            'One transaction: every line\'s stock is checked and taken, or nothing is. Prices come from the catalog. Unknown or inactive products and repeated products are 422 naming the line. Not enough stock is 409 whose `errors` name each short line with `product_id`, `requested` and `available`. With `Idempotency-Key`, the same key and body from the same user within 24 h return the first 201 again with `Idempotent-Replayed: true` and create nothing; the same key with another body is 422. Only successful (201) responses are remembered. With REQUIRE_VERIFIED_EMAIL=true, a user whose email is not verified gets 403.',
        },
      },
    )
    .get(
      '',
      ({ user, query }) => {
        if (query.user_id !== undefined && user.role !== 'admin') throw new ForbiddenError('Only administrators can filter by user_id.')
        const { from, to } = dateRange(query.from, query.to)
        return orders.list({
          userId: user.role === 'admin' ? query.user_id : user.id,
          status: query.status,
          from,
          to,
          limit: query.limit ?? 20,
          cursor: query.cursor,
        })
      },
      {
        auth: 'user',
        query: OrderListQuery,
        response: { 200: OrderPage },
        detail: {
          summary: 'List orders',
          description: 'Newest first, cursor pages. A user sees their own orders, an admin all; `user_id` is admin-only (403 otherwise). `from`/`to` bound created_at inclusively; a plain-date `to` includes that day.',
        },
      },
    )
    .get('/:id', ({ user, params }) => orders.get(user, params.id), {
      auth: 'user',
      params: OrderIdParams,
      response: { 200: Order },
      detail: { summary: 'An order', description: 'The owner or an admin; 404 for anyone else.' },
    })
    .post('/:id/cancel', ({ user, params }) => orders.cancel(user, params.id), {
      auth: 'user',
      params: OrderIdParams,
      response: { 200: Order, ...problemResponses(409) },
      detail: {
        summary: 'Cancel an order',
        description: 'The owner or an admin, from `pending` or `paid`; the stock goes back in the same transaction. 409 from any other status.',
      },
    })
    .patch('/:id', ({ user, params, body }) => orders.setStatus(user, params.id, body.status), {
      auth: 'admin',
      params: OrderIdParams,
      body: UpdateOrderBody,
      response: { 200: Order, ...problemResponses(409) },
      detail: {
        summary: 'Change an order\'s status',
        description: '`pending → paid → shipped → delivered`, `pending/paid → cancelled` (restocks); anything else is 409.',
      },
    })
}
