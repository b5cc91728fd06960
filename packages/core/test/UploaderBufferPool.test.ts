import { assert, describe, it } from "@effect/vitest"
import { FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { Deferred, Effect, Fiber, Layer } from "effect"
import { readFileSync, truncateSync } from "node:fs"
import * as BufferPool from "../src/internal/bufferPool.js"
import * as Retry from "../src/Retry.js"
import * as Uploader from "../src/Uploader.js"
import * as XClient from "../src/XClient.js"
import { eventually, fixturePath, makeFakeX, tempFile } from "./UploaderFakeX.js"

const mp4 = new Uint8Array(readFileSync(fixturePath("sample.mp4")))

describe("BufferPool", () => {
  it("hands out a new buffer when it has none, and the smallest spare one that fits when it has", () => {
    const pool = BufferPool.make()
    const small = pool.take(100)
    const large = pool.take(1000)
    assert.strictEqual(small.length, 100)
    pool.give(large)
    pool.give(small)
    assert.strictEqual(pool.take(50), small)
    assert.strictEqual(pool.take(50), large)
    assert.strictEqual(pool.take(50).length, 50) // none left: a new one
  })

  it("keeps at most maxBuffers buffers and maxBytes bytes, and a buffer only once", () => {
    const pool = BufferPool.make()
    const buffers: Array<Uint8Array> = Array.from({ length: BufferPool.maxBuffers + 2 }, () => new Uint8Array(10))
    for (const b of buffers) pool.give(b)
    pool.give(buffers[0]!)
    const taken = Array.from({ length: BufferPool.maxBuffers + 1 }, () => pool.take(10))
    assert.strictEqual(new Set(taken.filter((b) => buffers.includes(b))).size, BufferPool.maxBuffers)
    const huge = new Uint8Array(BufferPool.maxBytes + 1)
    pool.give(huge)
    assert.notStrictEqual(pool.take(BufferPool.maxBytes), huge)
  })
})

describe("Uploader segment buffers", () => {
  const uploadTwice = (concurrency: number) =>
    Effect.gen(function*() {
      const client = yield* XClient.XClient
      const pool = BufferPool.of(client)
      yield* Uploader.uploadFile(fixturePath("sample.mp4"), { chunkSize: 5000, concurrency })
      // both workers gave their buffers back: they hold the first upload's bytes
      const spare = [pool.take(1), pool.take(1)]
      assert.isTrue(spare.every((b) => b.length >= 5000 && b.some((byte) => byte !== 0)))
      assert.strictEqual(pool.take(1).length, 1) // and only those two
      for (const b of spare) pool.give(b)
      yield* Uploader.uploadFile(fixturePath("sample.mp4"), { chunkSize: 5000, concurrency })
      return pool
    })

  it.effect("a second upload on the same client reuses the first one's buffers, and sends the right bytes", () => {
    const fake = makeFakeX()
    return Effect.gen(function*() {
      const pool = yield* uploadTwice(2)
      assert.deepStrictEqual(fake.assembled(), mp4)
      assert.strictEqual([pool.take(1), pool.take(1), pool.take(1)].filter((b) => b.length > 1).length, 2)
    }).pipe(Effect.provide(Layer.merge(fake.layer, NodeContext.layer)))
  })

  it.effect("a worker that failed gives its buffer back to no one (a request may still hold it)", () => {
    const fake = makeFakeX({ appendFailures: new Map([[2, 5]]) })
    return Effect.gen(function*() {
      const pool = BufferPool.of(yield* XClient.XClient)
      const error = yield* Effect.flip(
        Uploader.uploadFile(fixturePath("sample.mp4"), { chunkSize: 5000, concurrency: 1, retry: Retry.none })
      )
      assert.strictEqual(error._tag, "ServerError")
      assert.strictEqual(pool.take(1).length, 1)
    }).pipe(Effect.provide(Layer.merge(fake.layer, NodeContext.layer)))
  })
})

/** What `countingFileSystem` has seen: reads of opened files, files open now, and the most open at once. */
interface FileCounts {
  reads: number
  open: number
  most: number
}

/**
 * The Node file system, counting into `counts` as files are opened, read and closed. `beforeRead` runs at the start
 * of each read of an opened file, with how many such reads began before it.
 */
const countingFileSystem = (
  counts: FileCounts,
  beforeRead: (started: number) => Effect.Effect<void> = () => Effect.void
) => {
  let started = 0
  return Layer.effect(
    FileSystem.FileSystem,
    Effect.map(FileSystem.FileSystem, (fs): FileSystem.FileSystem => ({
      ...fs,
      open: (path, options) =>
        Effect.gen(function*() {
          const file = yield* fs.open(path, options)
          counts.open++
          counts.most = Math.max(counts.most, counts.open)
          // closed with the scope the file was opened in, as the file itself is
          yield* Effect.addFinalizer(() => Effect.sync(() => counts.open--))
          // the file's own methods keep working on a wrapper whose prototype is the file
          const counted: FileSystem.File = Object.create(file)
          return Object.assign(counted, {
            read: (buffer: Uint8Array) =>
              Effect.suspend(() =>
                Effect.zipRight(beforeRead(started++), file.read.call(counted, buffer)).pipe(
                  Effect.tap(() => Effect.sync(() => counts.reads++))
                )
              )
          })
        })
    }))
  ).pipe(Layer.provide(NodeContext.layer))
}

describe("Uploader while INITIALIZE is in flight", () => {
  it.effect("a v2 upload reads each worker's first segment before X answers, and sends nothing until it has", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const counts: FileCounts = { reads: 0, open: 0, most: 0 }
      const fake = makeFakeX({ initializeGate: Deferred.await(gate) })
      const fiber = yield* Effect.fork(
        Uploader.uploadFile(fixturePath("sample.mp4"), { chunkSize: 5000, concurrency: 2 }).pipe(
          Effect.provide(Layer.mergeAll(fake.layer, countingFileSystem(counts)))
        )
      )
      yield* eventually(() => counts.reads >= 2) // both workers' first segments (the preflight reads its own way)
      assert.deepStrictEqual(fake.requests.map((r) => r.path), ["/2/media/upload/initialize"])
      yield* Deferred.succeed(gate, undefined)
      const media = yield* Fiber.join(fiber)
      assert.strictEqual(media.size, mp4.length)
      assert.deepStrictEqual(fake.assembled(), mp4)
      assert.strictEqual(fake.segments.size, 5)
    }))

  it.scoped("a first segment that cannot be read fails the upload with InvalidInput: no APPEND, no file left open", () =>
    Effect.gen(function*() {
      const file = yield* tempFile("clip.mp4", mp4)
      const counts: FileCounts = { reads: 0, open: 0, most: 0 }
      const fake = makeFakeX()
      // the preflight saw the whole file; it loses all but 3000 bytes before the workers' first segments are read
      const shrinkFirst = (started: number) => started === 0 ? Effect.sync(() => truncateSync(file, 3000)) : Effect.void
      const error = yield* Effect.flip(
        Uploader.uploadFile(file, { chunkSize: 5000, concurrency: 2 }).pipe(
          Effect.provide(Layer.mergeAll(fake.layer, countingFileSystem(counts, shrinkFirst)))
        )
      )
      assert.strictEqual(error._tag, "InvalidInput")
      assert.include(error.message, `"${file}" changed or became unreadable while it was being uploaded`)
      // whichever first segment is read first meets the end of the file (segment 0 at 3000, segment 1 at its start)
      assert.match(error.message, /it ended before byte (5000|10000)/)
      assert.isFalse(fake.requests.some((r) => r.path.endsWith("/append") || r.path.endsWith("/finalize")))
      assert.strictEqual(counts.open, 0)
    }))
})

describe("Uploader file handles", () => {
  it.effect("each worker closes its file when it has no segment left: none is open when FINALIZE is sent", () =>
    Effect.gen(function*() {
      const counts: FileCounts = { reads: 0, open: 0, most: 0 }
      let openAtFinalize = -1
      const fake = makeFakeX({ onFinalize: Effect.sync(() => (openAtFinalize = counts.open)) })
      const media = yield* Uploader.uploadFile(fixturePath("sample.mp4"), { chunkSize: 5000, concurrency: 2 }).pipe(
        Effect.provide(Layer.mergeAll(fake.layer, countingFileSystem(counts)))
      )
      assert.deepStrictEqual(fake.assembled(), mp4)
      assert.strictEqual(media.size, mp4.length)
      assert.strictEqual(openAtFinalize, 0)
      assert.strictEqual(counts.open, 0)
      assert.strictEqual(counts.most, 2) // one per worker (the preflight's own is closed before they open)
    }))

  it.effect("after a failed upload no file is left open", () =>
    Effect.gen(function*() {
      const counts: FileCounts = { reads: 0, open: 0, most: 0 }
      const fake = makeFakeX({ appendFailures: new Map([[3, 5]]) })
      const error = yield* Effect.flip(
        Uploader.uploadFile(fixturePath("sample.mp4"), { chunkSize: 5000, concurrency: 2, retry: Retry.none }).pipe(
          Effect.provide(Layer.mergeAll(fake.layer, countingFileSystem(counts)))
        )
      )
      assert.strictEqual(error._tag, "ServerError")
      assert.strictEqual(counts.most, 2)
      assert.strictEqual(counts.open, 0)
    }))
})
