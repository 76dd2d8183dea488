import type { SQL } from 'bun'
import type { UserAuthFacts, UserStore } from './store.ts'

/*
 * TEMPORARY (pg-orders branch): only the reads the auth path makes on every authenticated request
 * (authFacts; isSessionLive after a token-version change), so the orders tests can run on
 * PostgreSQL. The full PostgreSQL users store is another branch's: take that one over this.
 */
export function createPgUserStore(sql: SQL): UserStore {
  const notBuilt = (name: string) => () => Promise.reject(new Error(`createPgUserStore().${name} is not built yet`))
  return {
    async authFacts(id) {
      const [row] = await sql`SELECT id, role, active, token_version FROM users WHERE id = ${id}`
      return row ? ({ id: row.id, role: row.role, active: row.active, tokenVersion: row.token_version } satisfies UserAuthFacts) : undefined
    },
    async isSessionLive(familyId, userId, now) {
      const rows = await sql`
        SELECT 1 AS one FROM refresh_tokens WHERE family_id = ${familyId} AND user_id = ${userId} AND revoked_at IS NULL AND expires_at > ${now} LIMIT 1`
      return rows.length === 1
    },
    findUser: notBuilt('findUser'),
    findUserByEmail: notBuilt('findUserByEmail'),
    insertUser: notBuilt('insertUser'),
    listUsers: notBuilt('listUsers'),
    countOtherActiveAdmins: notBuilt('countOtherActiveAdmins'),
    updateUser: notBuilt('updateUser'),
    setPassword: notBuilt('setPassword'),
    upsertAdmin: notBuilt('upsertAdmin'),
    pruneRefreshTokens: notBuilt('pruneRefreshTokens'),
    insertRefreshToken: notBuilt('insertRefreshToken'),
    rotateRefreshToken: notBuilt('rotateRefreshToken'),
    revokeRefreshFamily: notBuilt('revokeRefreshFamily'),
  }
}
