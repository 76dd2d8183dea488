import { t } from 'elysia'
import { chars, Id, text, Page, PageQuery, Timestamp } from '../../lib/schema.ts'

export const Role = t.Union([t.Literal('user'), t.Literal('admin')], { description: 'user or admin' })

/**
 * An email address, RFC 5322 made practical (the WHATWG "valid e-mail address" with a dotted
 * domain): a dot-atom local part of 1..64 printable ASCII characters, LDH domain labels of at
 * most 63. No spaces, control characters, quotes, angle brackets or commas, so a stored address
 * is safe to put in a mail header or a log line. Lower-cased when stored.
 */
export const EMAIL_PATTERN =
  "^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
export const EMAIL_MAX = 254
const emailRegex = new RegExp(EMAIL_PATTERN)
/** The same rule as `Email`, for input that doesn't pass through a route schema (the CLI). */
export const isEmail = (value: string) => value.length <= EMAIL_MAX && emailRegex.test(value)

export const Email = t.String({
  pattern: EMAIL_PATTERN,
  maxLength: EMAIL_MAX,
  error: 'must be an email address',
  description: 'Email address (stored lower-cased)',
  examples: ['ada@example.com'],
})

export const Password = chars(8, 128, { description: 'Password' })
export const Name = text(1, 200, { description: 'Display name' })

export const User = t.Object(
  {
    id: Id,
    email: t.String(),
    name: t.String(),
    role: Role,
    active: t.Boolean(),
    email_verified: t.Boolean({ description: 'Whether the owner has followed a verification link sent to `email`' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: 'User', description: 'A user account (never its password hash)', additionalProperties: false },
)
export type UserView = typeof User.static

export const UserPage = Page(User, 'UserPage', 'A page of users, newest first')

export const RegisterBody = t.Object({ email: Email, password: Password, name: Name }, { title: 'Registration' })
export const CreateUserBody = t.Object({ email: Email, password: Password, name: Name, role: Role }, { title: 'UserCreate' })
export const UpdateMeBody = t.Object({ name: t.Optional(Name), email: t.Optional(Email) }, { title: 'ProfileUpdate' })
export const UpdateUserBody = t.Object({
  name: t.Optional(Name),
  email: t.Optional(Email),
  role: t.Optional(Role),
  active: t.Optional(t.Boolean()),
  password: t.Optional(Password),
}, { title: 'UserUpdate' })
export const ChangePasswordBody = t.Object({ current_password: chars(1, 128), new_password: Password }, { title: 'PasswordChange' })

export const UserListQuery = t.Object({
  ...PageQuery,
  q: t.Optional(chars(1, 200, { description: 'Matches email or name (substring, case-insensitive)' })),
  role: t.Optional(Role),
  active: t.Optional(t.Boolean({ description: 'true or false' })),
})

export const UserIdParams = t.Object({ id: Id })
