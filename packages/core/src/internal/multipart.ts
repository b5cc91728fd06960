/**
 * Hand-written `multipart/form-data` bodies: for APPEND the segment bytes are read straight into the middle of the
 * request body, so a segment costs one buffer and no copy (no `FormData`, `Blob` or web-stream conversion); the
 * other multipart calls (`MediaUpload.append` / `upload`, v1.1) send one `Uint8Array` too, which every `HttpClient`
 * sends as is (`FormData` bodies break `NodeHttpClient.layerUndici` on Node 20, decision 0004).
 *
 * @internal
 */
import { Effect, Random } from "effect"

const encoder = new TextEncoder()

/** @internal */
export interface Framing {
  readonly contentType: string
  readonly head: Uint8Array
  readonly tail: Uint8Array
}

/**
 * The file part of every APPEND: X reads the segment from a part named `media`.
 *
 * @internal
 */
export const mediaPart = { name: "media", filename: "media", contentType: "application/octet-stream" } as const

/**
 * The bytes before and after the `media` part's content: the text fields first, then the file part header.
 *
 * @internal
 */
export const framing = (
  boundary: string,
  fields: ReadonlyArray<readonly [string, string]>,
  file: { readonly name: string; readonly filename: string; readonly contentType: string }
): Framing => {
  let head = ""
  for (const [name, value] of fields) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
  }
  head += `--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\n` +
    `Content-Type: ${file.contentType}\r\n\r\n`
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    head: encoder.encode(head),
    tail: encoder.encode(`\r\n--${boundary}--\r\n`)
  }
}

/** A boundary from two random 32-bit numbers (64 random bits: a collision with binary content is negligible). @internal */
export const boundary = (a: number, b: number): string =>
  `----xmedia${(a >>> 0).toString(16).padStart(8, "0")}${(b >>> 0).toString(16).padStart(8, "0")}`

/** The size of a framed body of `length` content bytes; throws if `buffer` cannot hold it. */
const checkRoom = (buffer: Uint8Array, f: Framing, length: number): number => {
  const total = f.head.length + length + f.tail.length
  if (buffer.length < total) throw new RangeError(`multipart buffer too small: ${buffer.length} < ${total}`)
  return total
}

/**
 * Frames a body of `length` content bytes inside `buffer` (which must hold `head + length + tail` bytes) and
 * returns the body (a view of `buffer`) and the view where the content goes.
 *
 * @internal
 */
export const frameInto = (
  buffer: Uint8Array,
  f: Framing,
  length: number
): { readonly body: Uint8Array; readonly content: Uint8Array } => {
  const total = checkRoom(buffer, f, length)
  buffer.set(f.head, 0)
  buffer.set(f.tail, f.head.length + length)
  return { body: buffer.subarray(0, total), content: buffer.subarray(f.head.length, f.head.length + length) }
}

/**
 * Room for the framing around a segment: the head (by default a 3-digit `segment_index` only; pass the widest
 * fields used, e.g. v1.1's `command` / `media_id` / `segment_index`), and the tail.
 *
 * @internal
 */
export const overhead = (
  boundary: string,
  fields: ReadonlyArray<readonly [string, string]> = [["segment_index", "999"]]
): number => {
  const f = framing(boundary, fields, mediaPart)
  return f.head.length + f.tail.length
}

/**
 * Like `frameInto`, for content already written at the start of `buffer` (before the framing was known): moves
 * it into place, then writes the head and tail around it.
 *
 * @internal
 */
export const frameInPlace = (
  buffer: Uint8Array,
  f: Framing,
  length: number
): { readonly body: Uint8Array; readonly content: Uint8Array } => {
  checkRoom(buffer, f, length)
  buffer.copyWithin(f.head.length, 0, length)
  return frameInto(buffer, f, length)
}

/** A boundary from the `Random` service (so tests can seed it). @internal */
export const randomBoundary: Effect.Effect<string> = Effect.zipWith(Random.nextInt, Random.nextInt, boundary)

/**
 * A whole `multipart/form-data` body: the text `fields`, then the `file` part if there is one, then the closing
 * boundary. Text is UTF-8.
 *
 * @internal
 */
export const encode = (
  boundary: string,
  fields: ReadonlyArray<readonly [string, string]>,
  file?: { readonly bytes: Uint8Array; readonly name: string; readonly filename: string; readonly contentType: string }
): { readonly contentType: string; readonly body: Uint8Array } => {
  if (file !== undefined) {
    const f = framing(boundary, fields, file)
    const buffer = new Uint8Array(f.head.length + file.bytes.length + f.tail.length)
    frameInto(buffer, f, file.bytes.length).content.set(file.bytes)
    return { contentType: f.contentType, body: buffer }
  }
  let text = ""
  for (const [name, value] of fields) {
    text += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
  }
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    body: encoder.encode(`${text}--${boundary}--\r\n`)
  }
}
