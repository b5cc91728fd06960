/**
 * Reading one segment of an upload source straight into the middle of its multipart request body. Each upload
 * worker owns one slot (a buffer, and for files a handle of its own), so memory is bounded by (segments in
 * flight) x (chunk size), never by the file size, and nothing is allocated per segment.
 *
 * @internal
 */
import type { FileSystem } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Chunk, Effect, ExecutionStrategy, Exit, Option, Scope, Stream } from "effect"
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
  /**
   * Lets go of what the slot holds besides its buffer (a file handle) once its worker has read its last segment; for
   * a file, first checks that it did not change while its segments were read (`InvalidInput` when it did).
   */
  readonly release: Effect.Effect<void, XError.InvalidInput>
}

const fsFailure = (path: string) => <A, R>(effect: Effect.Effect<A, PlatformError | XError.InvalidInput, R>) =>
  effect.pipe(
    Effect.catchTag("BadArgument", (e) => Effect.fail(changed(path, e.message))),
    Effect.catchTag("SystemError", (e) => Effect.fail(changed(path, `${e.reason}: ${e.message}`)))
  )

/**
 * A slot over a file: its own handle (so slots read concurrently without sharing a file position) and the body
 * buffer `buffer` (from the client's pool, `BufferPool`). The handle is closed by `release` (a worker done with its
 * segments, while the others still send) or, at the latest, when the enclosing scope closes.
 *
 * @internal
 */
export const fileSlot = (
  fs: FileSystem.FileSystem,
  path: string,
  inspected: { readonly size: number; readonly modifiedAtMs?: number | undefined },
  buffer: () => Uint8Array
): Effect.Effect<Slot, XError.InvalidInput, Scope.Scope> =>
  Effect.gen(function*() {
    // the handle's own scope, inside the enclosing one: `release` closes it early, the enclosing scope at the latest
    const own = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    const file = yield* fsFailure(path)(Scope.extend(fs.open(path, { flag: "r" }), own))
    // The file as preflight saw it: a write in place (same size or not) while segments are read would send mixed
    // bytes that X assembles without complaint. One fstat per worker, on its own handle, after its last read.
    const unchanged = fsFailure(path)(Effect.flatMap(file.stat, (info) => {
      const size = Number(info.size)
      const modified = Option.getOrUndefined(Option.map(info.mtime, (d) => d.getTime()))
      return size !== inspected.size
        ? Effect.fail(changed(path, `its size went from ${inspected.size} to ${size} bytes`))
        : inspected.modifiedAtMs !== undefined && modified !== undefined && modified !== inspected.modifiedAtMs
        ? Effect.fail(changed(path, "it was written to"))
        : Effect.void
    }))
    return {
      buffer: buffer(),
      release: Effect.zipRight(unchanged, Scope.close(own, Exit.void)),
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
    } satisfies Slot
  })

/**
 * A slot over bytes already in memory: one copy of the segment into its request body `buffer`.
 *
 * @internal
 */
export const bytesSlot = (bytes: Uint8Array, buffer: () => Uint8Array): Effect.Effect<Slot> =>
  Effect.sync(() => ({
    buffer: buffer(),
    release: Effect.void,
    read: (segment, content) =>
      Effect.sync(() => content.set(bytes.subarray(segment.offset, segment.offset + segment.length)))
  }))

/**
 * Reads a stream of byte pieces of any sizes into segment buffers, in order, checking it against the size that
 * was announced (X's INITIALIZE has already been told `total_bytes`).
 *
 * @internal
 */
export interface StreamReader<E, R> {
  /**
   * A copy of the next `length` bytes (fewer if the stream ends first), gathered from as many pieces as it takes,
   * without consuming them: the next `fill` starts with the same bytes. Used to sniff the type from more bytes than
   * a small first segment holds; the pieces it pulls are held until `fill` has used them.
   */
  readonly peek: (length: number) => Effect.Effect<Uint8Array, E, R>
  /** Fills `content` entirely with the next bytes; fails with `InvalidInput` when the stream ends first. */
  readonly fill: (content: Uint8Array) => Effect.Effect<void, E | XError.InvalidInput, R>
  /** Succeeds when the stream has no bytes left; fails with `InvalidInput` when it has more. */
  readonly end: Effect.Effect<void, E | XError.InvalidInput, R>
}

const sizeMismatch = (endpoint: string, message: string) =>
  new XError.InvalidInput({ endpoint, field: "size", message })

/**
 * A `StreamReader` over `stream` (pulled in the enclosing scope). At most one piece of the stream is held
 * between two `fill`s (the rest of a piece that crossed a segment boundary), or, after a `peek`, the pieces it
 * pulled until they are used.
 *
 * @internal
 */
export const streamReader = <E, R>(
  stream: Stream.Stream<Uint8Array, E, R>,
  size: number,
  endpoint: string
): Effect.Effect<StreamReader<E, R>, never, R | Scope.Scope> =>
  Effect.map(Stream.toPull(stream), (pull) => {
    let pieces: ReadonlyArray<Uint8Array> = []
    let piece = 0
    let position = 0
    let read = 0
    let ended = false
    /** Moves to the next non-empty piece, pulling when needed; `false` at the end of the stream. */
    const advance: Effect.Effect<boolean, E, R> = Effect.suspend(() => {
      while (piece < pieces.length && position >= pieces[piece]!.length) {
        piece++
        position = 0
      }
      if (piece < pieces.length) return Effect.succeed(true)
      if (ended) return Effect.succeed(false)
      return Effect.matchEffect(pull, {
        onFailure: Option.match({
          onNone: () => Effect.sync(() => (ended = true, false)),
          onSome: (error: E) => Effect.fail(error)
        }),
        onSuccess: (chunk) => {
          pieces = Chunk.toReadonlyArray(chunk)
          piece = 0
          position = 0
          return advance
        }
      })
    })
    const peek = (length: number): Effect.Effect<Uint8Array, E, R> =>
      Effect.gen(function*() {
        // the unread pieces (the first from `position`), then the ones pulled now
        const kept = pieces.slice(piece)
        if (kept.length === 0) position = 0
        pieces = kept
        piece = 0
        let available = -position
        for (const p of kept) available += p.length
        while (available < length && !ended) {
          const pulled = yield* Effect.matchEffect(pull, {
            onFailure: Option.match({
              onNone: () => Effect.sync(() => (ended = true, undefined)),
              onSome: (error: E) => Effect.fail(error)
            }),
            onSuccess: (chunk) => Effect.succeed(chunk)
          })
          if (pulled === undefined) break
          for (const p of pulled) {
            kept.push(p)
            available += p.length
          }
        }
        const head = new Uint8Array(Math.max(0, Math.min(length, available)))
        let copied = 0
        for (let i = 0, from = position; i < kept.length && copied < head.length; i++, from = 0) {
          const n = Math.min(kept[i]!.length - from, head.length - copied)
          head.set(kept[i]!.subarray(from, from + n), copied)
          copied += n
        }
        return head
      })
    const fill = (content: Uint8Array): Effect.Effect<void, E | XError.InvalidInput, R> =>
      Effect.gen(function*() {
        let filled = 0
        while (filled < content.length) {
          if (!(yield* advance)) {
            return yield* sizeMismatch(
              endpoint,
              `the stream ended after ${read} bytes, but its size was given as ${size}: pass the exact number of ` +
                `bytes the stream yields as size`
            )
          }
          const current = pieces[piece]!
          const n = Math.min(current.length - position, content.length - filled)
          content.set(current.subarray(position, position + n), filled)
          position += n
          filled += n
          read += n
        }
      })
    const end: Effect.Effect<void, E | XError.InvalidInput, R> = Effect.flatMap(advance, (more) =>
      more
        ? Effect.fail(
          sizeMismatch(
            endpoint,
            `the stream yielded more than the ${size} bytes given as its size: pass the exact number of bytes the ` +
              `stream yields as size`
          )
        )
        : Effect.void)
    return { peek, fill, end }
  })
