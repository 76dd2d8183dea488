import { RequestHeadTooLargeError } from './problem.ts'

/*
 * Limits on the request head, answered by Kiosk as problems (414, 431) with the usual headers.
 * Bun's HTTP parser has its own ceiling, which it answers itself with a bare 431 before any
 * JavaScript runs (it can't be intercepted in Bun 1.4.5); the executable raises that ceiling to
 * BUN_HEAD_CEILING (scripts/build.ts), well above Kiosk's limits, so only heads past it get Bun's answer.
 */

/** Longest request target (path and query), in bytes. */
export const TARGET_MAX = 8 * 1024
/** Largest sum of header names and values. */
export const HEADERS_MAX = 16 * 1024
/** Bun's --max-http-header-size in the executable: where Bun's own bare 431 starts. */
export const BUN_HEAD_CEILING = 128 * 1024

/** 414 for a request target over TARGET_MAX, 431 for header fields over HEADERS_MAX. */
export function checkRequestHead(request: Request) {
  const url = request.url
  const target = url.length - url.indexOf('/', url.indexOf('//') + 2)
  if (target > TARGET_MAX) throw new RequestHeadTooLargeError(`The request target is longer than ${TARGET_MAX} bytes.`, 414)
  // forEach, not for-of: the iterator makes an array per field (for-of cost ~1.5× as much here).
  let size = 0
  request.headers.forEach((value, name) => {
    size += name.length + value.length + 4
  })
  if (size > HEADERS_MAX) throw new RequestHeadTooLargeError(`The request header fields are larger than ${HEADERS_MAX} bytes.`, 431)
}
