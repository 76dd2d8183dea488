import type { Config } from '../config.ts'
import { formatAddress } from './listen-address.ts'

/** Asks the running server on this machine whether it is ready; silent, for HEALTHCHECK. */
export async function healthcheck(config: Pick<Config, 'PORT' | 'HOST'>): Promise<number> {
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST
  try {
    const response = await fetch(`http://${formatAddress(host, config.PORT)}/health/ready`, {
      signal: AbortSignal.timeout(3000),
    })
    return response.status === 200 ? 0 : 1
  } catch {
    return 1
  }
}
