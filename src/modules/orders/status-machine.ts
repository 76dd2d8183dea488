import type { OrderStatus } from '../../db/schema.ts'

/** Every allowed status change, in one place. */
const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ['paid', 'cancelled'],
  paid: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
}

export const canTransition = (from: OrderStatus, to: OrderStatus) => TRANSITIONS[from].includes(to)

/** A cancellation puts the stock back. */
export const restocks = (to: OrderStatus) => to === 'cancelled'
