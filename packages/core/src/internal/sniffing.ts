/**
 * What preflight reads from the head of content besides `file-type`'s verdict: how many head bytes sniffing needs,
 * and a bounded scan of a GIF's or WebP's own structure that tells a still picture (one frame) from an animated one
 * (two or more), with the canvas size.
 *
 * The scanner is a push parser: it is fed pieces of the content in order (any sizes, down to one byte) and holds
 * only the few bytes of the field it is reading (at most 13), never a piece. It says which byte it wants next
 * (`position`), so a reader can skip what it does not need (a WebP chunk's payload) and read the rest in bounded
 * pieces (a GIF's image data, whose sub-block lengths must each be read to find the next block).
 *
 * Written by hand (docs/decisions/0005): the maintained detectors (`is-animated`) take the whole file as one buffer
 * and report no dimensions, and preflight reads a file in bounded pieces.
 *
 * @internal
 */

/**
 * How many leading bytes are enough for `file-type` to recognise every format it knows (MPEG-TS needs 189, some
 * formats up to 4100).
 *
 * @internal
 */
export const HEAD_BYTES = 4100

/**
 * What a GIF's or WebP's structure says: the canvas size (GIF logical screen, WebP canvas or frame size) and whether
 * it holds two or more frames (`animated`), or `undefined` when the bytes at hand ended (or broke off) before that
 * could be told.
 *
 * @internal
 */
export interface ImageFacts {
  readonly width: number
  readonly height: number
  readonly animated: boolean | undefined
}

/**
 * A push parser over one GIF or WebP.
 *
 * @internal
 */
export interface Scanner {
  /** The offset of the next byte the scanner wants: the next `feed` must start at or before it. */
  readonly position: () => number
  /** `true` once the scanner has learnt all it will. */
  readonly done: () => boolean
  /** Feeds `piece`, the content's bytes from `offset` (at most `position()`) on; returns `done()`. */
  readonly feed: (piece: Uint8Array, offset: number) => boolean
  /** What is known. `complete`: the pieces fed reached the end of the content (no more bytes will come). */
  readonly result: (complete: boolean) => ImageFacts | undefined
}

type Step =
  | { readonly _tag: "Read"; readonly length: number; readonly then: (field: Uint8Array) => Step }
  | { readonly _tag: "Skip"; readonly length: number; readonly then: () => Step }
  | { readonly _tag: "Done" }

const read = (length: number, then: (field: Uint8Array) => Step): Step => ({ _tag: "Read", length, then })
const skip = (length: number, then: () => Step): Step => ({ _tag: "Skip", length, then })
const done: Step = { _tag: "Done" }

/** The longest field any step reads (a GIF header). */
const FIELD_BYTES = 16

/** Runs a format's steps over fed pieces; `finish` turns the format's state into the result. */
const run = (start: Step, finish: (complete: boolean, finished: boolean) => ImageFacts | undefined): Scanner => {
  let step = start
  let position = 0
  const field = new Uint8Array(FIELD_BYTES)
  let filled = 0
  const feed = (piece: Uint8Array, offset: number): boolean => {
    if (offset > position) return step._tag === "Done"
    while (step._tag !== "Done") {
      if (step._tag === "Skip") {
        position += step.length
        step = step.then()
        continue
      }
      const index = position - offset
      if (index >= piece.length) break
      const n = Math.min(step.length - filled, piece.length - index)
      field.set(piece.subarray(index, index + n), filled)
      filled += n
      position += n
      if (filled === step.length) {
        filled = 0
        step = step.then(field.subarray(0, step.length))
      }
    }
    return step._tag === "Done"
  }
  return {
    position: () => position,
    done: () => step._tag === "Done",
    feed,
    result: (complete) => finish(complete, step._tag === "Done")
  }
}

const le16 = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8)
const le24 = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)
const le32 = (b: Uint8Array, at: number) => (le24(b, at) | (b[at + 3]! << 24)) >>> 0
const ascii = (b: Uint8Array, at: number, length: number) => String.fromCharCode(...b.subarray(at, at + length))

/**
 * A GIF (GIF87a/GIF89a): the 13-byte header with the logical screen, the global colour table, then blocks until the
 * second image descriptor (animated), the trailer `0x3B` (still when one image was seen), or a byte that starts no
 * block (malformed: not told). Extensions and image data are skipped sub-block by sub-block.
 */
const gif = (): Scanner => {
  let width: number | undefined
  let height: number | undefined
  let frames = 0
  let trailer = false
  /** Data sub-blocks (a length byte, then that many bytes) up to the empty one, then `next`. */
  const subBlocks = (next: () => Step): Step =>
    read(1, (n) => (n[0] === 0 ? next() : skip(n[0]!, () => subBlocks(next))))
  const blocks = (): Step =>
    read(1, (introducer) => {
      switch (introducer[0]) {
        case 0x21: // extension: a label byte, then sub-blocks
          return skip(1, () => subBlocks(blocks))
        case 0x2c: // image descriptor: left, top, width, height (2 bytes each), packed flags
          frames++
          if (frames >= 2) return done
          return read(9, (descriptor) => {
            const packed = descriptor[8]!
            const localTable = packed & 0x80 ? 3 * (2 << (packed & 0x07)) : 0
            // the local colour table, then the LZW minimum code size byte, then the image data
            return skip(localTable + 1, () => subBlocks(blocks))
          })
        case 0x3b:
          trailer = true
          return done
        default:
          return done
      }
    })
  const start = read(13, (header) => {
    if (ascii(header, 0, 3) !== "GIF") return done
    width = le16(header, 6)
    height = le16(header, 8)
    const packed = header[10]!
    return skip(packed & 0x80 ? 3 * (2 << (packed & 0x07)) : 0, blocks)
  })
  return run(start, (complete, finished) => {
    if (width === undefined || height === undefined) return undefined
    const animated = frames >= 2
      ? true
      : frames === 1 && (trailer || (complete && !finished))
      ? false
      : undefined
    return { width, height, animated }
  })
}

/**
 * A WebP (RIFF): chunk by chunk (payloads skipped, so a reader need not read them) until it can tell. `VP8X` gives
 * the canvas and the animation flag (set: animated); `ANIM`/`ANMF` chunks mean animated; a `VP8 ` or `VP8L`
 * bitstream at the top level means a single image (its frame header gives the size when there was no `VP8X`).
 */
const webp = (): Scanner => {
  let width: number | undefined
  let height: number | undefined
  let animated: boolean | undefined
  let extended = false
  let end = 0
  let at = 12
  const chunks = (): Step => {
    if (at + 8 > end) return done
    return read(8, (header) => {
      const fourcc = ascii(header, 0, 4)
      const size = le32(header, 4)
      const padded = size + (size & 1)
      const payload = at + 8
      at = payload + padded
      const rest = (used: number) => skip(padded - used, chunks)
      switch (fourcc) {
        case "VP8X":
          if (size < 10) return done
          return read(10, (p) => {
            extended = true
            width = 1 + le24(p, 4)
            height = 1 + le24(p, 7)
            if ((p[0]! & 0x02) !== 0) {
              animated = true
              return done
            }
            return rest(10)
          })
        case "ANIM":
        case "ANMF":
          animated = true
          return done
        case "VP8 ":
          if (size < 10) return done
          return read(10, (p) => {
            if (!extended && p[3] === 0x9d && p[4] === 0x01 && p[5] === 0x2a) {
              width = le16(p, 6) & 0x3fff
              height = le16(p, 8) & 0x3fff
            }
            animated = false
            return done
          })
        case "VP8L":
          if (size < 5) return done
          return read(5, (p) => {
            if (!extended && p[0] === 0x2f) {
              const bits = le32(p, 1)
              width = (bits & 0x3fff) + 1
              height = ((bits >>> 14) & 0x3fff) + 1
            }
            animated = false
            return done
          })
        default:
          return rest(0)
      }
    })
  }
  const start = read(12, (header) => {
    if (ascii(header, 0, 4) !== "RIFF" || ascii(header, 8, 4) !== "WEBP") return done
    end = 8 + le32(header, 4)
    return chunks()
  })
  return run(start, () => {
    if (width === undefined || height === undefined) return undefined
    // a VP8X without the animation flag promises a single image even if its bitstream chunk was not reached
    return { width, height, animated: animated ?? (extended ? false : undefined) }
  })
}

/**
 * A scanner for `mediaType`, or `undefined` when it is not a GIF or a WebP.
 *
 * @internal
 */
export const scannerFor = (mediaType: string): Scanner | undefined =>
  mediaType === "image/gif" ? gif() : mediaType === "image/webp" ? webp() : undefined
