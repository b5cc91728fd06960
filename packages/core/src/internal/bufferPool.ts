/**
 * Segment buffers kept between uploads on one client.
 *
 * Each APPEND worker needs a request-body buffer of a chunk's size (4 MiB by default). A fresh one per worker per
 * upload is fresh memory the kernel has to map and zero: on a 64 MiB upload that was about 15 ms of CPU out of 90
 * (docs/upload-performance.md). A client keeps the buffers of its finished uploads, up to `maxBuffers` and `maxBytes`
 * (enough for the default 4 workers at the largest chunk), and hands them to its next upload. Only a worker that
 * finished cleanly gives its buffer back: after a failure or an interruption a request may still hold it.
 *
 * @internal
 */
import { weakMemo } from "./weakMemo.js"

/** A client's spare segment buffers. @internal */
export interface BufferPool {
  /** A buffer of at least `capacity` bytes (contents unspecified). */
  readonly take: (capacity: number) => Uint8Array
  /** Keeps `buffer` for a later `take`, if there is room. */
  readonly give: (buffer: Uint8Array) => void
}

/** At most this many buffers... @internal */
export const maxBuffers = 8
/** ...and this many bytes per client (8 x 5 MiB: more than X's largest chunk, 5 MB, plus framing). @internal */
export const maxBytes = 8 * (5 * 1024 * 1024 + 1024)

/** An empty pool. @internal */
export const make = (): BufferPool => {
  const spare: Array<Uint8Array> = []
  let bytes = 0
  return {
    take: (capacity) => {
      // the smallest spare buffer that fits (a larger one serves a smaller chunk as well)
      let best = -1
      for (let i = 0; i < spare.length; i++) {
        const length = spare[i]!.length
        if (length >= capacity && (best < 0 || length < spare[best]!.length)) best = i
      }
      if (best < 0) return new Uint8Array(capacity)
      const [buffer] = spare.splice(best, 1)
      bytes -= buffer!.length
      return buffer!
    },
    give: (buffer) => {
      if (spare.length >= maxBuffers || bytes + buffer.length > maxBytes || spare.includes(buffer)) return
      spare.push(buffer)
      bytes += buffer.length
    }
  }
}

/** The pool of a client (made on first use, gone with the client). @internal */
export const of: (client: object) => BufferPool = weakMemo(() => make())
