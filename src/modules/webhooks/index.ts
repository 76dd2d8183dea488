import { requestState } from '../../http/request-state.ts'
import { Elysia, t } from 'elysia'
import type { authPlugin } from '../../http/auth.ts'
import { problemResponses } from '../../http/problem.ts'
import { PageQuery } from '../../lib/schema.ts'
import { CreatedWebhook, CreateWebhookBody, DeliveryPage, Webhook, WebhookPage, WebhookParams } from './model.ts'
import type { WebhookService } from './service.ts'

const DELIVERY_NOTES = `Events are delivered by a background worker as \`POST {id, type, created_at, data}\`, signed per
Standard Webhooks (\`webhook-id\` = the event id, \`webhook-timestamp\`, \`webhook-signature: v1,<base64 HMAC-SHA256>\`).
A 2xx is delivered. Network errors, timeouts, 408, 429 and 5xx are retried with exponential backoff and full jitter
(Retry-After is obeyed when longer, up to 24 h) up to WEBHOOK_MAX_ATTEMPTS, then failed. Redirects are not followed
(a 3xx fails), and any other 4xx fails at once. Delivery is at least once: de-duplicate on webhook-id.`

export const webhooksModule = (services: { webhooks: WebhookService }, auth: ReturnType<typeof authPlugin>) => {
  const service = services.webhooks
  return new Elysia({ prefix: '/admin/webhooks', tags: ['Webhooks'] })
    .use(auth)
    .post(
      '',
      async ({ body, request, set, status }) => {
        const created = await service.create(body, requestState(request).requestId)
        set.headers.location = `/admin/webhooks/${created.id}`
        return status(201, created)
      },
      {
        auth: 'admin',
        body: CreateWebhookBody,
        response: { 201: CreatedWebhook, ...problemResponses(400, 401, 403, 413, 415, 422) },
        detail: {
          summary: 'Register a webhook',
          description: `Subscribes a URL to event types. The response carries the signing secret, the only time it is shown.
The URL must be http or https, at most 2048 characters, without credentials; its host must not be, or resolve to, a
loopback, private, link-local, CGNAT or unspecified address unless WEBHOOK_ALLOW_PRIVATE=true (422 otherwise). The URL
is stored normalised (WHATWG URL). A webhook receives events recorded from its creation on.\n\n${DELIVERY_NOTES}`,
        },
      },
    )
    .get('', ({ query }) => service.list(query), {
      auth: 'admin',
      query: t.Object(PageQuery),
      response: { 200: WebhookPage, ...problemResponses(401, 403, 422) },
      detail: { summary: 'List webhooks', description: 'Paginated, newest first. Secrets are never listed.' },
    })
    .get('/:id', ({ params }) => service.get(params.id), {
      auth: 'admin',
      params: WebhookParams,
      response: { 200: Webhook, ...problemResponses(401, 403, 404) },
      detail: { summary: 'Get a webhook', description: 'The webhook (the target of POST\'s Location), without its secret.' },
    })
    .delete(
      '/:id',
      async ({ params, status }) => {
        await service.remove(params.id)
        return status(204, undefined)
      },
      {
        auth: 'admin',
        params: WebhookParams,
        response: { 204: t.Void({ description: 'Deleted' }), ...problemResponses(401, 403, 404) },
        detail: {
          summary: 'Delete a webhook',
          description:
            'Deletes the webhook with its secret and its delivery history: pending deliveries stop and nothing more is sent. ' +
            'An attempt already in flight may still reach the receiver.',
        },
      },
    )
    .get('/:id/deliveries', ({ params, query }) => service.deliveries(params.id, query), {
      auth: 'admin',
      params: WebhookParams,
      query: t.Object(PageQuery),
      response: { 200: DeliveryPage, ...problemResponses(401, 403, 404, 422) },
      detail: {
        summary: "List a webhook's deliveries",
        description: `Paginated, newest first: each event sent to this webhook with the outcome of its last attempt.\n\n${DELIVERY_NOTES}`,
      },
    })
}
