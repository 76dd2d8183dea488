import { Elysia, t } from 'elysia'
import type { authPlugin } from '../../http/auth.ts'
import { callerOf } from '../auth/caller.ts'
import { problemResponses } from '../../http/problem.ts'
import {
  ChangePasswordBody,
  CreateUserBody,
  UpdateMeBody,
  UpdateUserBody,
  User,
  UserIdParams,
  UserListQuery,
  UserPage,
} from './model.ts'
import type { RecoveryService } from '../auth/recovery.ts'
import { hashPassword, type UserService } from './service.ts'

const NoContent = t.Void({ description: 'Done' })

/** The caller's own account (/users/me) and admin user management (/users). */
export function usersModule(
  services: { users: UserService; trustProxy: boolean; recovery?: RecoveryService; smtpConfigured: boolean },
  auth: ReturnType<typeof authPlugin>,
) {
  const { users, trustProxy, recovery } = services
  // With email configured, a new address waits for its verification link; without, it applies at once (unverified).
  const emailChangeWaitsForLink = recovery !== undefined && services.smtpConfigured
  return new Elysia({ prefix: '/users', tags: ['Identity'] })
    .use(auth)
    .get('/me', ({ user }) => users.me(user.id), {
      auth: 'user',
      response: { 200: User },
      detail: { summary: 'The caller', description: 'The authenticated account; never its password hash.' },
    })
    .patch(
      '/me',
      async ({ user, body }) => {
        await users.me(user.id)
        if (body.email !== undefined && emailChangeWaitsForLink) await recovery!.requestEmailChange(user.id, body.email)
        return users.update(user.id, { name: body.name, email: emailChangeWaitsForLink ? undefined : body.email })
      },
      {
        auth: 'user',
        body: UpdateMeBody,
        response: { 200: User, ...problemResponses(409) },
        detail: {
          summary: 'Update the caller',
          description:
            'Only `name` and `email` can change here; 409 when the email is taken. When email is configured (SMTP_URL), a new `email` is not applied yet: a verification link goes to the new address, and the account keeps its old email (which still signs in) until POST /auth/verify-email with that link\'s token makes the new one the account\'s email, verified. Without SMTP_URL the new email applies at once, with `email_verified: false`.',
        },
      },
    )
    .post(
      '/me/password',
      async ({ user, body, request, server, status }) => {
        const caller = callerOf(request, server, trustProxy)
        await users.changePassword(user.id, body.current_password, body.new_password, caller, user.sessionId)
        return status(204, undefined)
      },
      {
        auth: 'user',
        body: ChangePasswordBody,
        response: { 204: NoContent, ...problemResponses(429) },
        detail: {
          summary: 'Change the password',
          description:
            'Requires the current password (422 when wrong; wrong guesses count as failed logins of the account, so 429 with Retry-After after too many). Every other session of the user is revoked (their refresh tokens and access tokens, at once); the session that made the call keeps its access token and its refresh token. An access token minted without a session (no `sid` claim) keeps nothing.',
        },
      },
    )
    .get('', ({ query }) => users.list(query), {
      auth: 'admin',
      query: UserListQuery,
      response: { 200: UserPage },
      detail: { summary: 'List users', description: '`q` matches email or name; filters `role` and `active`; newest first, cursor pages.' },
    })
    .post(
      '',
      async ({ body, status, set }) => {
        const created = await users.create(body)
        set.headers.location = `/users/${created.id}`
        return status(201, created)
      },
      {
        auth: 'admin',
        body: CreateUserBody,
        response: { 201: User, ...problemResponses(409) },
        detail: { summary: 'Create a user', description: 'An administrator creates an account with any role; 409 when the email is taken.' },
      },
    )
    .get('/:id', ({ params }) => users.get(params.id), {
      auth: 'admin',
      params: UserIdParams,
      response: { 200: User, ...problemResponses(404) },
      detail: { summary: 'A user' },
    })
    .patch('/:id', async ({ params, body }) => {
      const { password, ...patch } = body
      return users.update(params.id, { ...patch, passwordHash: password === undefined ? undefined : await hashPassword(password) })
    }, {
      auth: 'admin',
      params: UserIdParams,
      body: UpdateUserBody,
      response: { 200: User, ...problemResponses(404, 409) },
      detail: {
        summary: 'Update a user',
        description:
          'Changing `role` or `active`, or setting `password`, revokes the user\'s tokens at once (every session and refresh-token family). A changed `email` is unverified. 409 when the email is taken or when the change would leave no active administrator.',
      },
    })
    .delete(
      '/:id',
      async ({ params, status }) => {
        await users.deactivate(params.id)
        return status(204, undefined)
      },
      {
        auth: 'admin',
        params: UserIdParams,
        response: { 204: NoContent, ...problemResponses(404, 409) },
        detail: {
          summary: 'Deactivate a user',
          description: 'Deactivates (orders are kept) and revokes every token of the user. 409 when it would leave no active administrator.',
        },
      },
    )
}

