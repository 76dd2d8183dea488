import { Elysia, t, ValidationError } from 'elysia'
import type { Logger } from 'pino'
import {
  BadRequestError,
  ConflictError,
  DomainError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  ProtocolError,
  ServiceUnavailableError,
  TooManyRequestsError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationFailedError,
  type FieldError,
} from '../lib/errors.ts'
import { isDatabaseUnavailable } from '../db/unavailable.ts'
import { createLogSampler } from '../lib/security-log.ts'
import { BodyTooLargeError } from './body-limit.ts'
import { FINISH_REQUEST, requestState, serverTiming, type FinishRequest } from './request-state.ts'
import { SECURITY_HEADERS } from './response-headers.ts'

/** RFC 9457 problem details, as every error response carries them. */
export const ProblemSchema = t.Object(
  {
    type: t.String({ description: 'A URI naming the kind of problem' }),
    title: t.String({ description: 'Short summary of the kind of problem' }),
    status: t.Integer({ description: 'The HTTP status code' }),
    detail: t.String({ description: 'What went wrong with this request' }),
    instance: t.String({ description: 'The path of the request' }),
    request_id: t.String({ description: 'Same as the X-Request-Id response header' }),
    errors: t.Optional(
      t.Array(
        t.Object(
          { path: t.String(), message: t.String() },
          { additionalProperties: true, description: 'One failed field (extra members such as requested/available may follow)' },
        ),
      ),
    ),
  },
  { title: 'Problem', additionalProperties: false },
)

export type Problem = typeof ProblemSchema.static

interface ProblemKind {
  status: number
  slug: string
  title: string
}

const kinds = {
  400: { status: 400, slug: 'bad-request', title: 'Bad Request' },
  401: { status: 401, slug: 'unauthorized', title: 'Unauthorized' },
  403: { status: 403, slug: 'forbidden', title: 'Forbidden' },
  404: { status: 404, slug: 'not-found', title: 'Not Found' },
  409: { status: 409, slug: 'conflict', title: 'Conflict' },
  413: { status: 413, slug: 'payload-too-large', title: 'Payload Too Large' },
  414: { status: 414, slug: 'uri-too-long', title: 'URI Too Long' },
  415: { status: 415, slug: 'unsupported-media-type', title: 'Unsupported Media Type' },
  422: { status: 422, slug: 'validation-failed', title: 'Unprocessable Content' },
  429: { status: 429, slug: 'rate-limited', title: 'Too Many Requests' },
  431: { status: 431, slug: 'header-fields-too-large', title: 'Request Header Fields Too Large' },
  500: { status: 500, slug: 'internal', title: 'Internal Server Error' },
  503: { status: 503, slug: 'unavailable', title: 'Service Unavailable' },
} satisfies Record<number, ProblemKind>

export type ProblemStatus = keyof typeof kinds

/** The request line (414) or the header fields (431) are over Kiosk's limits (src/http/head-limits.ts). */
export class RequestHeadTooLargeError extends DomainError {
  constructor(
    message: string,
    readonly status: 414 | 431,
  ) {
    super(message)
  }
}

const domainStatus = (error: DomainError): ProblemStatus => {
  if (error instanceof NotFoundError) return 404
  if (error instanceof ConflictError) return 409
  if (error instanceof ValidationFailedError) return 422
  if (error instanceof ForbiddenError) return 403
  if (error instanceof UnauthorizedError) return 401
  if (error instanceof BadRequestError) return 400
  if (error instanceof PayloadTooLargeError) return 413
  if (error instanceof UnsupportedMediaTypeError) return 415
  if (error instanceof TooManyRequestsError) return 429
  if (error instanceof ServiceUnavailableError) return 503
  if (error instanceof RequestHeadTooLargeError) return error.status
  return 500
}

export const problemType = (status: ProblemStatus) => `urn:kiosk:problem:${kinds[status].slug}`

/** Builds the problem body for a status; `instance` and `request_id` come from the request. */
export function problemBody(request: Request, status: ProblemStatus, detail: string, errors?: FieldError[]): Problem {
  const kind = kinds[status]
  return {
    type: problemType(status),
    title: kind.title,
    status,
    detail,
    instance: new URL(request.url).pathname,
    request_id: requestState(request).requestId,
    ...(errors ? { errors } : {}),
  }
}

interface Issue {
  message: string
  errors?: Iterable<Issue>[]
}

const TYPE_MISMATCH = /^Expected (string|number|integer|boolean|object|array|null)$/

/**
 * Elysia's numeric types are unions (a number, or a numeric string): a union failure says only
 * "Expected union value". The useful message is the branch's that got past the type check.
 */
function specificMessage(issue: Issue): string {
  const leaves = (issue.errors ?? []).flatMap((branch) => [...branch]).map((leaf) => specificMessage(leaf))
  return leaves.find((message) => !TYPE_MISMATCH.test(message)) ?? issue.message
}

const validationErrors = (error: ValidationError): FieldError[] => {
  const seen = new Set<string>()
  const out: FieldError[] = []
  for (const issue of error.all) {
    const path = 'path' in issue && issue.path ? issue.path : '/'
    // A schema's own `error` text (e.g. chars()) reads better than TypeBox's generic message.
    const custom = 'schema' in issue ? (issue.schema as { error?: unknown }).error : undefined
    const message = typeof custom === 'string' ? custom : specificMessage(issue)
    const key = `${path}\u0000${message}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ path, message, in: error.type })
  }
  // A fixed message: Elysia's own error.message differs with NODE_ENV, and NODE_ENV must not change answers.
  return out.length ? out : [{ path: '/', message: 'is invalid', in: error.type }]
}

/** Retry-After of a 503 while the database can't be reached. */
export const DATABASE_RETRY_AFTER_SECONDS = 2
const unavailableLog = createLogSampler(10_000)

/** The problem for any thrown value; unexpected errors become a generic 500. */
export function toProblem(
  request: Request,
  code: string | number,
  error: unknown,
  log: Logger,
): { problem: Problem; headers: Record<string, string> } {
  // A domain error thrown while the body was being parsed (the auth check runs there) arrives wrapped.
  const cause = code === 'PARSE' && error instanceof Error && error.cause instanceof DomainError ? error.cause : error
  if (cause instanceof DomainError) {
    const status = domainStatus(cause)
    const headers: Record<string, string> = {}
    if (cause instanceof UnauthorizedError) headers['www-authenticate'] = cause.challenge
    if (cause instanceof TooManyRequestsError) headers['retry-after'] = String(cause.retryAfterSeconds)
    if (cause instanceof BodyTooLargeError && cause.closeConnection) headers.connection = 'close'
    if (status === 500) log.error({ err: cause }, 'unmapped domain error')
    return { problem: problemBody(request, status, status === 500 ? 'An unexpected error occurred.' : cause.message, cause.errors), headers }
  }
  switch (code) {
    case 'VALIDATION': {
      const validation = error as ValidationError
      const where = validation.type === 'body' ? 'request body' : `request ${validation.type}`
      return { problem: problemBody(request, 422, `The ${where} is invalid.`, validationErrors(validation)), headers: {} }
    }
    case 'PARSE':
      return { problem: problemBody(request, 400, 'The request body could not be parsed.'), headers: {} }
    case 'NOT_FOUND':
      return { problem: problemBody(request, 404, 'No such route or resource.'), headers: {} }
    case 'INVALID_FILE_TYPE':
      return { problem: problemBody(request, 415, 'Unsupported file type.'), headers: {} }
  }
  if (isDatabaseUnavailable(error)) {
    // One warning per 10 s however many requests fail: an outage must not become a log storm.
    if (unavailableLog.take('database', Date.now()) !== null) log.warn({ err: error }, 'database or Redis unavailable: answering 503')
    return {
      problem: problemBody(request, 503, 'A service Kiosk depends on is unavailable; try again shortly.'),
      headers: { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) },
    }
  }
  log.error({ err: error, request_id: requestState(request).requestId }, 'unhandled error')
  return { problem: problemBody(request, 500, 'An unexpected error occurred.'), headers: {} }
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

/** Serialises a problem as a response, keeping the headers the request already set. */
export function problemResponse(problem: Problem, headers: Record<string, string | number | undefined>): Response {
  const out = new Headers()
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out.set(name, String(value))
  out.set('content-type', PROBLEM_CONTENT_TYPE)
  return new Response(JSON.stringify(problem), { status: problem.status, headers: out })
}

/**
 * A body that does not parse or validate: Elysia's own parse errors, and the body reader's 400s.
 * A 401, 413 or 415 thrown while the body was read is not that, and stays a problem everywhere.
 */
const isMalformedBody = (code: string | number, error: unknown) =>
  code === 'VALIDATION' ||
  (code === 'PARSE' && !(error instanceof Error && error.cause instanceof DomainError && !(error.cause instanceof BadRequestError)))

/**
 * One plugin maps every failure, from any layer, to problem+json. Two exceptions, both fixed by
 * a protocol: a ProtocolError is answered with its own body, and on `protocolRoutes` (the OAuth
 * token endpoints) a body that does not parse or validate becomes `malformed()`.
 */
export function problemPlugin(log: Logger, options: { protocolRoutes?: string[]; malformed?: () => ProtocolError } = {}) {
  function answer(request: Request, code: string | number, error: unknown, set: { status?: unknown; headers: unknown }, route: string): Response {
    const protocolError =
      error instanceof ProtocolError
        ? error
        : isMalformedBody(code, error) && options.malformed && options.protocolRoutes?.includes(route)
          ? options.malformed()
          : undefined
    // Every response's headers are here too: an error answered outside a route (404, a refused
    // request head) never reaches the request plugin's mapResponse.
    const requestHeaders = {
      ...SECURITY_HEADERS,
      'x-request-id': requestState(request).requestId,
      ...(set.headers as Record<string, string>),
      'server-timing': serverTiming(request),
    }
    if (protocolError) {
      set.status = protocolError.status
      return new Response(JSON.stringify(protocolError.body()), {
        status: protocolError.status,
        // RFC 6749 §5.1: token responses, errors included, must not be cached.
        headers: { ...requestHeaders, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      })
    }
    const { problem, headers } = toProblem(request, code, error, log)
    set.status = problem.status
    return problemResponse(problem, {
      ...requestHeaders,
      ...headers,
    })
  }
  return new Elysia({ name: 'kiosk/problem' }).onError({ as: 'global' }, ({ request, code, error, set, route, store }) => {
    const response = answer(request, code, error, set, route)
    // Outside any route (no route matched, a refused request head) no mapResponse hook follows: the
    // request plugin counts and logs the request here (FINISH_REQUEST in request-state.ts).
    if (!route) (store as Record<string, FinishRequest | undefined>)[FINISH_REQUEST]?.(request, 'unmatched', response.status)
    return response
  })
}

/** Each status's problem schema, built once: one per route and status cost ~2 ms of every start-up (TypeBox clones the properties). */
const problemSchemas = new Map<ProblemStatus, typeof ProblemSchema>()

const problemSchema = (status: ProblemStatus) => {
  let schema = problemSchemas.get(status)
  if (!schema) {
    schema = t.Object(ProblemSchema.properties, {
      title: 'Problem',
      additionalProperties: false,
      description: `${kinds[status].title}: an RFC 9457 problem document`,
    })
    problemSchemas.set(status, schema)
  }
  return schema
}

/** OpenAPI responses for the given problem statuses, each with a description. */
export function problemResponses<S extends ProblemStatus>(...statuses: S[]) {
  const out = {} as Record<S, typeof ProblemSchema>
  for (const status of statuses) out[status] = problemSchema(status)
  return out
}
