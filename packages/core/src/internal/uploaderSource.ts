/**
 * Reading one segment of an upload source straight into the middle of its multipart request body. Bodies come
 * from a pool of slots (a buffer, and for files a handle of its own) holding at most one slot per segment in
 * flight, so memory is bounded by (segments in flight) x (chunk size), never by the file size, and nothing is
 * allocated per segment.
 *
 * @internal
 */
import type { FileSystem } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect, Scope } from "effect"
import * as XError from "../XError.js"
import type { Segment } from "./chunks.js"

/**
 * Fills `content` with the bytes of `segment`.
 *
 * @internal
 */
export type SegmentReader = (segment: Segment, content: Uint8Array) => Effect.Effect<void, XError.InvalidInput>

const changed = (path: string, detail: string) =>
  new XError.InvalidInput({
    endpoint: "Uploader.uploadFile",
    field: "path",
    message: `"${path}" changed or became unreadable while it was being uploaded (${detail}): do not modify the ` +
      `file until the upload ends`
  })

/**
 * One segment in flight: a request-body buffer and a way to fill it. A slot is used by one fiber at a time.
 *
 * @internal
 */
export interface Slot {
  readonly buffer: Uint8Array
  readonly read: SegmentReader
}

const fsFailure = (path: string) => <A, R>(effect: Effect.Effect<A, PlatformError | XError.InvalidInput, R>) =>
  effect.pipe(
    Effect.catchTag("BadArgument", (e) => Effect.fail(changed(path, e.message))),
    Effect.catchTag("SystemError", (e) => Effect.fail(changed(path, `${e.reason}: ${e.message}`)))
  )

/**
 * A slot over a file: its own handle (opened for the enclosing scope, so slots read concurrently without
 * sharing a file position) and a body buffer of `capacity` bytes.
 *
 * @internal
 */
export const fileSlot = (
  fs: FileSystem.FileSystem,
  path: string,
  capacity: number
): Effect.Effect<Slot, XError.InvalidInput, Scope.Scope> =>
  Effect.map(fsFailure(path)(fs.open(path, { flag: "r" })), (file) => ({
    buffer: new Uint8Array(capacity),
    read: (segment, content) =>
      fsFailure(path)(Effect.gen(function*() {
        yield* file.seek(segment.offset, "start")
        let filled = 0
        while (filled < segment.length) {
          const read = Number(yield* file.read(content.subarray(filled, segment.length)))
          if (read === 0) return yield* changed(path, `it ended before byte ${segment.offset + segment.length}`)
          filled += read
        }
      }))
  }))

/**
 * A slot over bytes already in memory: one copy of the segment into its request body.
 *
 * @internal
 */
export const bytesSlot = (bytes: Uint8Array, capacity: number): Effect.Effect<Slot> =>
  Effect.sync(() => ({
    buffer: new Uint8Array(capacity),
    read: (segment, content) =>
      Effect.sync(() => content.set(bytes.subarray(segment.offset, segment.offset + segment.length)))
  }))

/**
 * A pool of slots: `use` lends a free slot (creating one in the enclosing scope only when none is free) and takes
 * it back when done, success or failure. With `Effect.forEach(..., { concurrency: n })` at most `n` slots exist.
 *
 * @internal
 */
export const slotPool = <E>(
  make: Effect.Effect<Slot, E, Scope.Scope>
): Effect.Effect<<A, E2, R>(use: (slot: Slot) => Effect.Effect<A, E2, R>) => Effect.Effect<A, E | E2, R>, never, Scope.Scope> =>
  Effect.map(Effect.scope, (scope) => {
    const free: Array<Slot> = []
    return <A, E2, R>(use: (slot: Slot) => Effect.Effect<A, E2, R>) =>
      Effect.acquireUseRelease(
        free.length > 0 ? Effect.succeed(free.pop()!) : Scope.extend(make, scope),
        use,
        (slot) => Effect.sync(() => void free.push(slot))
      )
  })
