/*
 * What an uploaded image is, judged by its bytes only (never by a header or a file name).
 * Beyond the magic number each format's framing is checked, and markup anywhere in the file is
 * refused, so a polyglot (an HTML, SVG or script file dressed with an image header, or an image
 * with a page appended) is not stored to be served later.
 */

export const IMAGE_TYPES = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
} as const

export type ImageType = keyof typeof IMAGE_TYPES

const ascii = (bytes: Uint8Array, start: number, text: string) => {
  if (bytes.length < start + text.length) return false
  for (let i = 0; i < text.length; i++) if (bytes[start + i] !== text.charCodeAt(i)) return false
  return true
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
/** The IEND chunk: length 0, type, CRC. A PNG ends with exactly these bytes. */
const PNG_END = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]

function isPng(bytes: Uint8Array): boolean {
  if (bytes.length < 8 + 25 + 12) return false
  if (!PNG_SIGNATURE.every((byte, i) => bytes[i] === byte)) return false
  // The first chunk is IHDR, 13 bytes long.
  const ihdrLength = new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0)
  if (ihdrLength !== 13 || !ascii(bytes, 12, 'IHDR')) return false
  const end = bytes.length - PNG_END.length
  return PNG_END.every((byte, i) => bytes[end + i] === byte)
}

function isJpeg(bytes: Uint8Array): boolean {
  // SOI and the first marker, then EOI as the last two bytes.
  return (
    bytes.length >= 4 &&
    bytes[0] === 0xff &&
    bytes[1] === 0xd8 &&
    bytes[2] === 0xff &&
    bytes[bytes.length - 2] === 0xff &&
    bytes[bytes.length - 1] === 0xd9
  )
}

function isGif(bytes: Uint8Array): boolean {
  // Header, logical screen descriptor, and the 0x3B trailer as the last byte.
  return bytes.length >= 14 && (ascii(bytes, 0, 'GIF87a') || ascii(bytes, 0, 'GIF89a')) && bytes[bytes.length - 1] === 0x3b
}

function isWebp(bytes: Uint8Array): boolean {
  if (bytes.length < 20 || !ascii(bytes, 0, 'RIFF') || !ascii(bytes, 8, 'WEBP')) return false
  // The RIFF size covers the rest of the file exactly: nothing hides after it.
  const riffSize = new DataView(bytes.buffer, bytes.byteOffset + 4, 4).getUint32(0, true)
  if (riffSize + 8 !== bytes.length) return false
  return ascii(bytes, 12, 'VP8 ') || ascii(bytes, 12, 'VP8L') || ascii(bytes, 12, 'VP8X')
}

/** Tags a browser would act on if it ever rendered the bytes as a page. Lower case, matched case-insensitively. */
const MARKUP = ['<script', '<html', '<svg', '<!doctype', '<iframe', '<body', '<object', '<embed', '<?php']

/** True when the bytes contain one of MARKUP, ASCII case-insensitively. */
function containsMarkup(bytes: Uint8Array): boolean {
  for (let i = bytes.indexOf(0x3c); i !== -1; i = bytes.indexOf(0x3c, i + 1)) {
    for (const tag of MARKUP) {
      let j = 1
      while (j < tag.length && i + j < bytes.length && (bytes[i + j]! | 0x20) === tag.charCodeAt(j)) j++
      if (j === tag.length) return true
    }
  }
  return false
}

/** The image's type, or null when the bytes are not a PNG, JPEG, WebP or GIF we accept. */
export function detectImageType(bytes: Uint8Array): ImageType | null {
  const type: ImageType | null = isPng(bytes)
    ? 'image/png'
    : isJpeg(bytes)
      ? 'image/jpeg'
      : isWebp(bytes)
        ? 'image/webp'
        : isGif(bytes)
          ? 'image/gif'
          : null
  return type && !containsMarkup(bytes) ? type : null
}
