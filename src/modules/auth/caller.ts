import type { Server } from 'bun'
import { clientAddress } from '../../http/client-address.ts'
import { requestState } from '../../http/request-state.ts'
import type { Caller } from './limits.ts'

/** The caller of a route, for rate limits and security events: its address and request id. */
export const callerOf = (request: Request, server: Server<unknown> | null, trustProxy: boolean): Caller => ({
  address: clientAddress(request, server, trustProxy),
  requestId: requestState(request).requestId,
})
