/*
 * What an uploaded image is, judged by its bytes only (never by a header or a file name).
 * Beyond the magic number, each format's framing is walked to its end (PNG chunks with their
 * CRCs, GIF blocks, JPEG segments, WebP RIFF chunks): nothing may follow the image, so a file
 * that is also a page or a script (a polyglot) is refused. Markup anywhere in the bytes is
 * refused too, so nothing stored could ever render as HTML or SVG.
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
const u32be = (b: Uint8Array, i: number) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0
const u32le = (b: Uint8Array, i: number) => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0
const u16be = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

/** Signature, IHDR first, every chunk's CRC right, IEND exactly at the end. */
function isPng(b: Uint8Array): boolean {
  if (b.length < 8 || !PNG_SIGNATURE.every((byte, i) => b[i] === byte)) return false
  let pos = 8
  let first = true
  while (pos + 12 <= b.length) {
    const length = u32be(b, pos)
    if (length > b.length - pos - 12) return false
    const type = String.fromCharCode(b[pos + 4]!, b[pos + 5]!, b[pos + 6]!, b[pos + 7]!)
    if (first && (type !== 'IHDR' || length !== 13)) return false
    if (Bun.hash.crc32(b.subarray(pos + 4, pos + 8 + length)) !== u32be(b, pos + 8 + length)) return false
    pos += 12 + length
    if (type === 'IEND') return pos === b.length
    first = false
  }
  return false
}

/** SOI, then marker segments up to the first scan, and EOI as the last two bytes. */
function isJpeg(b: Uint8Array): boolean {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return false
  let pos = 2
  while (pos + 4 <= b.length) {
    if (b[pos] !== 0xff) return false
    const marker = b[pos + 1]!
    if (marker === 0xff) {
      pos++ // fill byte
      continue
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      pos += 2 // markers without a length
      continue
    }
    if (marker === 0xd9) return false // EOI before any scan
    const length = u16be(b, pos + 2)
    if (length < 2) return false
    // Start of scan: entropy-coded data (and any further scans) up to the EOI that ends the file.
    if (marker === 0xda) return pos + 2 + length <= b.length - 2 && b[b.length - 2] === 0xff && b[b.length - 1] === 0xd9
    pos += 2 + length
  }
  return false
}

/** Header, screen descriptor, colour table, extension and image blocks, and the trailer as the last byte. */
function isGif(b: Uint8Array): boolean {
  if (b.length < 14 || !(ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a'))) return false
  const colourTable = (packed: number) => (packed & 0x80 ? 3 * (1 << ((packed & 7) + 1)) : 0)
  let pos = 13 + colourTable(b[10]!)
  let images = 0
  const skipSubBlocks = () => {
    for (;;) {
      if (pos >= b.length) return false
      const size = b[pos]!
      pos += 1 + size
      if (size === 0) return true
    }
  }
  for (;;) {
    if (pos >= b.length) return false
    const block = b[pos]
    if (block === 0x3b) return images > 0 && pos === b.length - 1
    if (block === 0x21) {
      pos += 2 // introducer and label
      if (!skipSubBlocks()) return false
    } else if (block === 0x2c) {
      if (pos + 10 > b.length) return false
      pos += 10 + colourTable(b[pos + 9]!) + 1 // descriptor, local colour table, LZW code size
      if (!skipSubBlocks()) return false
      images++
    } else {
      return false
    }
  }
}

/** RIFF/WEBP whose size is the file's, a VP8, VP8L or VP8X chunk first, chunks tiling the rest exactly. */
function isWebp(b: Uint8Array): boolean {
  if (b.length < 20 || !ascii(b, 0, 'RIFF') || !ascii(b, 8, 'WEBP') || u32le(b, 4) + 8 !== b.length) return false
  if (!(ascii(b, 12, 'VP8 ') || ascii(b, 12, 'VP8L') || ascii(b, 12, 'VP8X'))) return false
  let pos = 12
  while (pos + 8 <= b.length) {
    const size = u32le(b, pos + 4)
    pos += 8 + size + (size & 1)
  }
  return pos === b.length
}

/** Tags a browser would act on if it ever rendered the bytes as a document. */
const MARKUP = ['<script', '<html', '<svg', '<!doctype', '<iframe', '<body', '<object', '<embed', '<?php', '<?xml-stylesheet']

/** True when the bytes contain one of MARKUP, ASCII case-insensitively. */
function containsMarkup(bytes: Uint8Array): boolean {
  for (let i = bytes.indexOf(0x3c); i !== -1; i = bytes.indexOf(0x3c, i + 1)) {
    for (const tag of MARKUP) {
      let j = 1
      while (j < tag.length && i + j < bytes.length && String.fromCharCode(bytes[i + j]!).toLowerCase() === tag[j]) j++
      if (j === tag.length) return true
    }
  }
  return false
}

/** The image's type, or null when the bytes are not a well-formed PNG, JPEG, WebP or GIF. */
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

const u16le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8)
const u24le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16)

/** JPEG start-of-frame markers (SOF0..SOF15 but DHT, JPG and DAC), which carry the frame's size. */
const isStartOfFrame = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc

function jpegSize(b: Uint8Array): [number, number] | null {
  let pos = 2
  while (pos + 9 <= b.length) {
    const marker = b[pos + 1]!
    if (b[pos] !== 0xff) return null
    if (marker === 0xff) {
      pos++
      continue
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      pos += 2
      continue
    }
    if (isStartOfFrame(marker)) return [u16be(b, pos + 7), u16be(b, pos + 5)]
    if (marker === 0xda) return null
    pos += 2 + u16be(b, pos + 2)
  }
  return null
}

/** The GIF's canvas: the logical screen, grown to hold every frame (decoders size their buffers so). */
function gifSize(b: Uint8Array): [number, number] {
  let width = u16le(b, 6)
  let height = u16le(b, 8)
  const colourTable = (packed: number) => (packed & 0x80 ? 3 * (1 << ((packed & 7) + 1)) : 0)
  let pos = 13 + colourTable(b[10]!)
  const skipSubBlocks = () => {
    while (pos < b.length && b[pos] !== 0) pos += 1 + b[pos]!
    pos++
  }
  while (pos < b.length && b[pos] !== 0x3b) {
    if (b[pos] === 0x21) {
      pos += 2
      skipSubBlocks()
    } else if (b[pos] === 0x2c && pos + 10 <= b.length) {
      width = Math.max(width, u16le(b, pos + 1) + u16le(b, pos + 5))
      height = Math.max(height, u16le(b, pos + 3) + u16le(b, pos + 7))
      pos += 10 + colourTable(b[pos + 9]!) + 1
      skipSubBlocks()
    } else {
      break
    }
  }
  return [width, height]
}

function webpSize(b: Uint8Array): [number, number] | null {
  if (ascii(b, 12, 'VP8X') && b.length >= 30) return [u24le(b, 24) + 1, u24le(b, 27) + 1]
  if (ascii(b, 12, 'VP8L') && b.length >= 25 && b[20] === 0x2f) {
    const bits = u32le(b, 21)
    return [(bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1]
  }
  if (ascii(b, 12, 'VP8 ') && b.length >= 30) return [u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff]
  return null
}

/**
 * Width × height as the image's header states them (what a decoder would allocate for), for a
 * buffer detectImageType accepted; null when the header does not say.
 */
export function imagePixels(bytes: Uint8Array, type: ImageType): number | null {
  const size =
    type === 'image/png'
      ? ([u32be(bytes, 16), u32be(bytes, 20)] as [number, number])
      : type === 'image/jpeg'
        ? jpegSize(bytes)
        : type === 'image/gif'
          ? gifSize(bytes)
          : webpSize(bytes)
  return size ? size[0] * size[1] : null
}
