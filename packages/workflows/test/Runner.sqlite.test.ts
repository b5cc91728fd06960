import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Fiber, Layer } from "effect"
import { appendFileSync, copyFileSync } from "node:fs"
import { join } from "node:path"
import { Engine, Flow, type FlowError, MediaOps, Runner } from "../src/index.js"
import { fixture, withTempDir } from "./helpers.js"

const input: Flow.VideoPostInput = {
  video: fixture("sample.mp4"),
  subtitles: [
    { file: fixture("sample.en.srt"), language: "en", name: "English" },
    { file: fixture("sample.fr.vtt"), language: "fr", name: "Français" }
  ],
  text: "Durable"
}

const withDir = <A, E, R>(f: (dir: string) => Effect.Effect<A, E, R>) => withTempDir("xmedia-wf-", f)

/** the durable engine on `filename`, sharing one in-memory X (`ops`) across engine restarts */
const durable = (filename: string, ops: Layer.Layer<MediaOps.MediaOps>) =>
  Runner.layer.pipe(
    Layer.provideMerge(Engine.layerSqlite({ filename, pollInterval: "100 millis", shutdownTimeout: "1 second" })),
    Layer.provide(ops),
    Layer.provideMerge(NodeFileSystem.layer)
  )

describe("Runner on the SQLite engine (SingleRunner)", () => {
  it.live("runs a flow; a new engine on the same file returns the stored result without calling X", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const filename = join(dir, "flows.db")
        const x = yield* Layer.build(MediaOps.layerMemory({ processingPolls: 1 }))
        const ops = Layer.succeedContext(x)
        const handle = Context.get(x, MediaOps.MemoryHandle)
        const first = yield* Runner.run(Flow.beforePost(input), { idempotencyKey: "durable-1" }).pipe(
          Effect.provide(durable(filename, ops))
        )
        const calls = (yield* handle.state).calls.length
        const second = yield* Runner.run(Flow.beforePost(input), { idempotencyKey: "durable-1" }).pipe(
          Effect.provide(durable(filename, ops))
        )
        assert.deepStrictEqual(second, first)
        assert.strictEqual((yield* handle.state).calls.length, calls)
        assert.strictEqual((yield* handle.state).posts.size, 1)
      }).pipe(Effect.scoped)
    ), 60_000)

  it.live("an engine stopped mid-upload resumes on restart: finished activities are not redone", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const filename = join(dir, "flows.db")
        const x = yield* Layer.build(MediaOps.layerMemory({ processingPolls: 1 }))
        const handle = Context.get(x, MediaOps.MemoryHandle)
        const real = Context.get(x, MediaOps.MediaOps)
        // the 3rd append of the video blocks forever: the "process" is stopped while it hangs
        const stuck = yield* Deferred.make<void>()
        let appends = 0
        const blocking: MediaOps.MediaOpsService = {
          ...real,
          append: (req) =>
            Effect.suspend(() => {
              appends++
              return appends === 3 ? Effect.zipRight(Deferred.succeed(stuck, void 0), Effect.never) : real.append(req)
            })
        }
        // three uploads run concurrently in the first wave, so the replay also replays concurrent activities
        const flow = Flow.beforePost(input)
        const options = { idempotencyKey: "durable-crash", chunkSize: 8192 }
        const crashed = yield* Runner.run(flow, options).pipe(
          Effect.provide(durable(filename, Layer.succeed(MediaOps.MediaOps, blocking))),
          Effect.fork
        )
        yield* Deferred.await(stuck)
        yield* Fiber.interrupt(crashed)
        const before = (yield* handle.state).calls
        // the third append hung; the concurrent uploads may have sent more before the stop
        assert.isAtLeast(before.filter((c) => c === "append").length, 2)
        assert.isFalse(before.includes("createPost"))

        const result = yield* Runner.run(flow, options).pipe(
          Effect.provide(durable(filename, Layer.succeedContext(x)))
        )
        const all = (yield* handle.state).calls
        // no segment was sent twice and no upload was initialized twice: 3 video segments + 2 subtitle files
        assert.strictEqual(all.filter((c) => c === "append").length, 5)
        assert.strictEqual(all.filter((c) => c === "initialize").length, 3)
        assert.strictEqual(all.filter((c) => c === "createPost").length, 1)
        assert.strictEqual((yield* handle.state).posts.size, 1)
        assert.isDefined(result.outputs["create-post"])
      }).pipe(Effect.scoped)
    ), 60_000)

  it.live("a file changed while the flow was down fails fast, typed, before anything else is sent", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const filename = join(dir, "flows.db")
        const video = join(dir, "clip.mp4")
        copyFileSync(fixture("sample.mp4"), video)
        const x = yield* Layer.build(MediaOps.layerMemory({ processingPolls: 1 }))
        const handle = Context.get(x, MediaOps.MemoryHandle)
        const real = Context.get(x, MediaOps.MediaOps)
        const stuck = yield* Deferred.make<void>()
        const blocking: MediaOps.MediaOpsService = {
          ...real,
          append: (req) => req.segmentIndex === 1 ? Effect.zipRight(Deferred.succeed(stuck, void 0), Effect.never) : real.append(req)
        }
        const flow = Flow.beforePost({ video, subtitles: [], text: "changed" })
        const options = { idempotencyKey: "durable-changed", chunkSize: 8192 }
        const crashed = yield* Runner.run(flow, options).pipe(
          Effect.provide(durable(filename, Layer.succeed(MediaOps.MediaOps, blocking))),
          Effect.fork
        )
        yield* Deferred.await(stuck)
        yield* Fiber.interrupt(crashed)
        appendFileSync(video, "x")
        const mark = (yield* handle.state).calls.length
        const error = yield* Effect.flip(
          Runner.run(flow, options).pipe(Effect.provide(durable(filename, Layer.succeedContext(x))))
        )
        assert.strictEqual(error._tag, "FlowFailed")
        const failed = error as FlowError.FlowFailed
        assert.strictEqual(failed.cause, "FileChanged")
        assert.strictEqual(failed.step, "upload-video")
        assert.match(failed.message, /changed since the flow started \(24006 -> 24007 bytes/)
        assert.deepStrictEqual((yield* handle.state).calls.slice(mark), [])
      }).pipe(Effect.scoped)
    ), 60_000)

  it.live("a failed flow is typed and a re-run continues it (after-post association)", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const filename = join(dir, "flows.db")
        const x = yield* Layer.build(MediaOps.layerMemory({
          processingPolls: 1,
          faults: [{
            operation: "associateSubtitles",
            nth: 2,
            error: new MediaOps.OpError({ operation: "associateSubtitles", reason: "Rejected", detail: "nope" })
          }]
        }))
        const ops = Layer.succeedContext(x)
        const handle = Context.get(x, MediaOps.MemoryHandle)
        const flow = Flow.afterPost(input)
        const exit = yield* Effect.exit(
          Runner.run(flow, { idempotencyKey: "durable-ap" }).pipe(Effect.provide(durable(filename, ops)))
        )
        assert.isTrue(Exit.isFailure(exit))
        const posts = (yield* handle.state).posts.size
        assert.strictEqual(posts, 1)
        const mark = (yield* handle.state).calls.length
        yield* Runner.run(flow, { idempotencyKey: "durable-ap" }).pipe(Effect.provide(durable(filename, ops)))
        assert.deepStrictEqual((yield* handle.state).calls.slice(mark), ["associateSubtitles"])
        assert.strictEqual((yield* handle.state).posts.size, 1)
      }).pipe(Effect.scoped)
    ), 60_000)
})
