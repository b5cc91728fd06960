/**
 * Chunk planning for the chunked upload: at most 1000 segments (`segment_index` 0-999), each at most 5 MB.
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

/** X's `segment_index` runs 0..999. @internal */
export const MAX_SEGMENTS = 1000

/**
 * X's per-APPEND limit ("It must be <= 5 MB"), read as 5,000,000 bytes: the reading that is safe under either
 * meaning (a 5 MiB chunk drew an HTTP 431 on v2 in one third-party report, research §11.9). @internal
 */
export const MAX_SEGMENT_BYTES = 5_000_000

/**
 * The bytes of one APPEND (v2 and v1.1): 1 byte to `MAX_SEGMENT_BYTES`, checked before anything is sent. @internal
 */
export const AppendBytes = Schema.Uint8ArrayFromSelf.pipe(
  Schema.filter((bytes) =>
    bytes.byteLength === 0
      ? "an APPEND chunk must hold at least one byte"
      : bytes.byteLength <= MAX_SEGMENT_BYTES ||
        `an APPEND chunk must be at most 5 MB (${MAX_SEGMENT_BYTES} bytes; X: "must be <= 5 MB"), ` +
          `this one is ${bytes.byteLength}: use smaller chunks`
  )
)

/** 4 MiB, as X's own Python samples use. @internal */
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024

/** @internal */
export interface Plan {
  readonly size: number
  readonly chunkSize: number
  readonly segmentCount: number
}

/** @internal */
export interface Segment {
  readonly index: number
  readonly offset: number
  readonly length: number
}

/**
 * Picks the chunk size: the requested one (default 4 MiB), raised to `ceil(size / 1000)` when the file would need
 * more than 1000 segments. Fails with a message when even 5 MB chunks cannot cover the file, or when the
 * requested size is not a positive integer of at most 5 MB.
 *
 * @internal
 */
export const plan = (size: number, requested?: number): Either.Either<Plan, string> => {
  if (!Number.isSafeInteger(size) || size <= 0) return Either.left(`the size must be a positive number of bytes, got ${size}`)
  if (requested !== undefined && (!Number.isSafeInteger(requested) || requested <= 0 || requested > MAX_SEGMENT_BYTES)) {
    return Either.left(
      `chunkSize must be a whole number of bytes between 1 and ${MAX_SEGMENT_BYTES} (X's 5 MB), got ${requested}`
    )
  }
  const minimum = Math.ceil(size / MAX_SEGMENTS)
  if (minimum > MAX_SEGMENT_BYTES) {
    return Either.left(
      `${size} bytes cannot be sent in at most ${MAX_SEGMENTS} segments of at most ${MAX_SEGMENT_BYTES} bytes ` +
        `(${MAX_SEGMENTS * MAX_SEGMENT_BYTES} bytes in all): compress or split the file`
    )
  }
  const chunkSize = Math.max(requested ?? DEFAULT_CHUNK_BYTES, minimum)
  return Either.right({ size, chunkSize, segmentCount: Math.ceil(size / chunkSize) })
}

/** The byte range of one segment. @internal */
export const segment = (p: Plan, index: number): Segment => {
  const offset = index * p.chunkSize
  return { index, offset, length: Math.min(p.chunkSize, p.size - offset) }
}
