import type { Authenticator, Role } from './auth.ts'
import { REQUIRED_ROLE } from './auth.ts'

interface RouteLike {
  method: string
  path: string
  hooks: object
}

/**
 * The auth macros check the token in the route's own hooks, which run after global ones such as
 * the body reader. This runs the same check from there, for routes that require a role (the macro
 * marks them with REQUIRED_ROLE in their OpenAPI detail), so a caller without the right token gets
 * 401/403 before a byte of the body is read. The verification is shared per request, so it runs once.
 */
export function authGate(authenticator: Authenticator, routes: () => RouteLike[]) {
  let table = new Map<string, Role>()
  let indexed = -1
  const requiredRole = (method: string, path: string) => {
    const all = routes()
    if (indexed !== all.length) {
      table = new Map()
      for (const route of all) {
        const role = (route.hooks as { detail?: Record<string, unknown> }).detail?.[REQUIRED_ROLE]
        if (role === 'user' || role === 'admin') table.set(`${route.method} ${route.path}`, role)
      }
      indexed = all.length
    }
    return table.get(`${method} ${path}`)
  }
  // Throws the 401/403; synchronous, like the verification itself.
  return (request: Request, route: string): void => {
    const need = requiredRole(request.method, route)
    if (need) authenticator.authorize(request, need)
  }
}
