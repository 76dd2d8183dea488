import { BadRequestError, PayloadTooLargeError, ValidationFailedError } from '../../lib/errors.ts'
import { BodyTooLargeError, readLimited } from '../../http/body-limit.ts'
import { MULTIPART_SLACK } from '../../http/request.ts'

/*
 * Reads an image upload from a request: the raw body, or the `file` field of a multipart form.
 * The size limit is enforced while the stream is read (a body without Content-Length, or one
 * that lies about it, stops at the limit), and nothing is kept of a refused body.
 */

const tooLarge = (max: number) => new PayloadTooLargeError(`The image is larger than ${max} bytes.`)

/** At most `cap` bytes of the body; past it, 413 naming `max` (the refused rest is discarded, see body-limit.ts). */
const readCapped = (stream: ReadableStream<Uint8Array> | null, cap: number, max: number) =>
  readLimited(stream, cap, 'image').catch((error: unknown) => {
    throw error instanceof BodyTooLargeError && cap !== max ? new BodyTooLargeError(max, error.closeConnection, 'image') : error
  })

/** The uploaded bytes; 413 over `max`, 400 for a malformed form, 422 for a form without `file`. */
export async function readImageUpload(request: Request, max: number): Promise<Uint8Array> {
  const contentType = request.headers.get('content-type') ?? ''
  if (!/^multipart\/form-data\s*;/i.test(contentType)) return readCapped(request.body, max, max)

  // The form's framing (boundaries, part headers) may add up to MULTIPART_SLACK around the file.
  const body = await readCapped(request.body, max + MULTIPART_SLACK, max)
  const form = await new Response(body, { headers: { 'content-type': contentType } }).formData().catch(() => {
    throw new BadRequestError('The multipart body could not be parsed.')
  })
  const file = form.get('file')
  if (!(file instanceof Blob)) {
    throw new ValidationFailedError('The form has no file.', [{ path: '/file', message: 'a file field is required', in: 'body' }])
  }
  if (file.size > max) throw tooLarge(max)
  return new Uint8Array(await file.arrayBuffer())
}
