import { t } from 'elysia'
import { deliveryStatuses, eventTypes } from '../../db/schema.ts'
import { chars, Id, JsonInt, Page, Timestamp } from '../../lib/schema.ts'

export const URL_MAX = 2048

const EventType = t.UnionEnum([...eventTypes], { description: 'An event type' })

/** The same, with the message a client sees when it sends something else (request schemas only). */
const EventTypeInput = t.UnionEnum([...eventTypes], {
  description: 'An event type',
  error: `must be one of ${eventTypes.join(', ')}`,
})

const Events = t.Array(EventTypeInput, {
  minItems: 1,
  uniqueItems: true,
  description: `The event types to receive: a non-empty set of ${eventTypes.join(', ')}`,
  error: `must be a non-empty list of distinct event types (${eventTypes.join(', ')})`,
})

export const CreateWebhookBody = t.Object({
  url: chars(1, URL_MAX, {
    description: 'Target: an http or https URL without credentials, on a public address',
    example: 'https://hooks.example.com/kiosk',
  }),
  events: Events,
}, { title: 'WebhookCreate' })

const webhookFields = {
  id: Id,
  url: t.String({ description: 'The target URL, as parsed and normalised (WHATWG URL)' }),
  events: t.Array(EventType, { description: 'Subscribed event types' }),
  active: t.Boolean({ description: 'Whether new events are delivered' }),
  created_at: Timestamp,
}

export const Webhook = t.Object(webhookFields, {
  title: 'Webhook',
  additionalProperties: false,
  description: 'A webhook subscription (its secret is never shown again)',
})

export const CreatedWebhook = t.Object(
  {
    ...webhookFields,
    secret: t.String({
      description: 'Signing secret (whsec_ + base64), shown only in this response: store it now',
      examples: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    }),
  },
  { title: 'WebhookCreated', additionalProperties: false, description: 'The created webhook, with its signing secret' },
)

export const WebhookPage = Page(Webhook, 'WebhookPage', 'A page of webhooks, newest first')

export const Delivery = t.Object(
  {
    id: Id,
    event_id: t.String({ description: 'The event id, sent as webhook-id: receivers de-duplicate on it' }),
    event_type: EventType,
    status: t.UnionEnum([...deliveryStatuses], {
      description: 'pending (waiting for its next attempt), delivering (an attempt in flight), delivered, failed (final)',
    }),
    attempts: JsonInt({ minimum: 0, description: 'Attempts made so far' }),
    last_status_code: t.Union([JsonInt(), t.Null()], { description: 'HTTP status of the last attempt; null when no response came' }),
    last_error: t.Union([t.String(), t.Null()], { description: 'Why the last attempt failed; null when it succeeded or none was made' }),
    next_attempt_at: t.Union([Timestamp, t.Null()], { description: 'When the next attempt is due; null once delivered or failed' }),
    delivered_at: t.Union([Timestamp, t.Null()], { description: 'When a 2xx came back' }),
  },
  { title: 'Delivery', additionalProperties: false, description: 'One event on its way to one webhook' },
)

export const DeliveryPage = Page(Delivery, 'DeliveryPage', 'A page of deliveries, newest first')

export const WebhookParams = t.Object({ id: Id })

export type WebhookView = typeof Webhook.static
export type CreatedWebhookView = typeof CreatedWebhook.static
export type DeliveryView = typeof Delivery.static
