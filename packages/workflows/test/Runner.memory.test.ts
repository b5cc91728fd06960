import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { Flow, type FlowError, MediaOps, Runner } from "../src/index.js"
import { fixture, memoryLayer, recorder, withClock } from "./helpers.js"

const input: Flow.VideoPostInput = {
  video: fixture("sample.mp4"),
  subtitles: [
    { file: fixture("sample.en.srt"), language: "en", name: "English" },
    { file: fixture("sample.fr.vtt"), language: "fr-FR", name: "Français" }
  ],
  text: "Launch video"
}

const failedWith = <A>(exit: Exit.Exit<A, unknown>): FlowError.FlowFailed => {
  assert.isTrue(Exit.isFailure(exit))
  if (Exit.isSuccess(exit) || exit.cause._tag !== "Fail") throw new Error("expected a typed failure")
  const error = exit.cause.error as FlowError.FlowFailed
  assert.strictEqual(error._tag, "FlowFailed")
  return error
}

describe("Runner on the in-memory engine", () => {
  it.effect("before-post: uploads, associates both tracks, posts once", () =>
    Effect.gen(function*() {
      const rec = yield* recorder
      const result = yield* withClock(
        Runner.run(Flow.beforePost(input), { idempotencyKey: "bp-1", chunkSize: 8192, onEvent: rec.onEvent })
      )
      const state = yield* (yield* MediaOps.MemoryHandle).state
      const post = result.outputs["create-post"] as Flow.Posted
      assert.strictEqual(state.posts.size, 1)
      assert.isTrue(state.posts.has(post.postId))
      const video = result.outputs["await-video"] as Flow.Uploaded
      assert.deepStrictEqual([...state.media.get(video.mediaId)!.subtitles.keys()].sort(), ["EN", "FR"])
      // 24006 bytes in 8 KiB segments = 3 appends for the video, 1 for each subtitle file
      assert.strictEqual(state.calls.filter((c) => c === "append").length, 5)
      // every association happened before the post
      const order = state.calls.filter((c) => c === "associateSubtitles" || c === "createPost")
      assert.deepStrictEqual(order, ["associateSubtitles", "associateSubtitles", "createPost"])
      const events = yield* rec.events
      const tags = new Set(events.map((e) => e._tag))
      for (const tag of ["FlowStarted", "StepStarted", "StepFinished", "Bytes", "Processing", "Waiting", "FlowFinished"]) {
        assert.isTrue(tags.has(tag as never), `missing ${tag}`)
      }
      const bytes = events.filter((e) => e._tag === "Bytes" && e.step === "upload-video")
      assert.deepStrictEqual(bytes.map((e) => e._tag === "Bytes" ? e.sent : 0), [8192, 16384, 24006])
    }).pipe(Effect.provide(memoryLayer())))

  it.effect("uploads run concurrently: the subtitle uploads start before the video upload ends", () =>
    Effect.gen(function*() {
      yield* withClock(Runner.run(Flow.beforePost(input), { idempotencyKey: "bp-par", chunkSize: 4096 }))
      const calls = (yield* (yield* MediaOps.MemoryHandle).state).calls
      const lastInit = calls.lastIndexOf("initialize")
      const firstFinalize = calls.indexOf("finalize")
      assert.isTrue(lastInit < firstFinalize, calls.join(","))
    }).pipe(Effect.provide(memoryLayer())))

  it.effect("same idempotency key: returns the stored result, nothing is redone", () =>
    Effect.gen(function*() {
      const first = yield* withClock(Runner.run(Flow.afterPost(input), { idempotencyKey: "ap-1" }))
      const before = (yield* (yield* MediaOps.MemoryHandle).state).calls.length
      const again = yield* withClock(Runner.run(Flow.afterPost(input), { idempotencyKey: "ap-1" }))
      const after = (yield* (yield* MediaOps.MemoryHandle).state).calls.length
      assert.deepStrictEqual(again, first)
      assert.strictEqual(after, before)
    }).pipe(Effect.provide(memoryLayer())))

  it.effect("before-post: a processing failure posts nothing and names the step", () =>
    Effect.gen(function*() {
      const exit = yield* withClock(Effect.exit(Runner.run(Flow.beforePost(input), { idempotencyKey: "bp-fail" })))
      const error = failedWith(exit)
      assert.strictEqual(error.step, "await-video")
      assert.strictEqual(error.reason, "ProcessingFailed")
      assert.strictEqual(error.existing.posts.length, 0)
      assert.strictEqual(error.existing.media.length, 3)
      assert.match(error.message, /failed at step "await-video"/)
      assert.match(error.message, /InvalidMedia/)
      const state = yield* (yield* MediaOps.MemoryHandle).state
      assert.strictEqual(state.posts.size, 0)
      assert.isFalse(state.calls.includes("createPost"))
    }).pipe(Effect.provide(memoryLayer({ failProcessingOf: [1, 2, 3] }))))

  it.effect("after-post: a failed association leaves the post; a re-run completes only the association", () =>
    Effect.gen(function*() {
      const exit = yield* withClock(Effect.exit(Runner.run(Flow.afterPost(input), { idempotencyKey: "ap-assoc" })))
      const error = failedWith(exit)
      assert.strictEqual(error.step, "associate-EN")
      assert.strictEqual(error.existing.posts.length, 1)
      assert.match(error.rerun, /runs associate-EN/)
      const handle = yield* MediaOps.MemoryHandle
      const before = yield* handle.state
      assert.strictEqual(before.posts.size, 1)
      const result = yield* withClock(Runner.run(Flow.afterPost(input), { idempotencyKey: "ap-assoc" }))
      const after = yield* handle.state
      const newCalls = after.calls.slice(before.calls.length)
      assert.deepStrictEqual(newCalls, ["associateSubtitles"])
      assert.strictEqual(after.posts.size, 1)
      assert.strictEqual((result.outputs["create-post"] as Flow.Posted).postId, error.existing.posts[0]!.postId)
    }).pipe(Effect.provide(memoryLayer({
      faults: [{
        operation: "associateSubtitles",
        nth: 1,
        error: new MediaOps.OpError({ operation: "associateSubtitles", reason: "Rejected", detail: "boom" })
      }]
    }))))

  it.effect("a post X accepted but whose response was lost is found, not posted twice", () =>
    Effect.gen(function*() {
      const result = yield* withClock(Runner.run(Flow.beforePost(input), { idempotencyKey: "bp-lost" }))
      const state = yield* (yield* MediaOps.MemoryHandle).state
      assert.strictEqual(state.posts.size, 1)
      assert.isTrue((result.outputs["create-post"] as Flow.Posted).found)
    }).pipe(Effect.provide(memoryLayer({
      faults: [{
        operation: "createPost",
        nth: 1,
        applied: true,
        error: new MediaOps.OpError({ operation: "createPost", reason: "PostMayExist", detail: "connection reset" })
      }]
    }))))

  it.effect("transient and rate-limit failures are retried with events and a paused clock", () =>
    Effect.gen(function*() {
      const rec = yield* recorder
      const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
      yield* withClock(Runner.run(Flow.beforePost(input), { idempotencyKey: "bp-retry", onEvent: rec.onEvent }))
      const events = yield* rec.events
      const waits = events.filter((e) => e._tag === "Waiting" && e.reason !== "processing")
      assert.deepStrictEqual(waits.map((e) => e._tag === "Waiting" ? [e.reason, e.endpoint] : []), [
        ["retry", "append"],
        ["rate-limit", "createPost"]
      ])
      const rateWait = waits[1]
      // the wait lasts until the window reset (epoch 60 s), and the post came after it
      assert.isTrue(rateWait?._tag === "Waiting" && rateWait.millis <= 60_000 - now)
      assert.isAtLeast(yield* Effect.clockWith((c) => c.currentTimeMillis), 60_000)
      const state = yield* (yield* MediaOps.MemoryHandle).state
      assert.strictEqual(state.posts.size, 1)
    }).pipe(Effect.provide(memoryLayer({
      faults: [
        {
          operation: "append",
          nth: 1,
          error: new MediaOps.OpError({ operation: "append", reason: "Transient", detail: "503" })
        },
        {
          operation: "createPost",
          nth: 1,
          error: new MediaOps.OpError({
            operation: "createPost",
            reason: "RateLimited",
            detail: "429",
            retryAt: 60_000
          })
        }
      ]
    }))))

  it.effect("an expired media id is uploaded again", () =>
    Effect.gen(function*() {
      const result = yield* withClock(
        Runner.run(Flow.beforePost({ ...input, subtitles: [] }), { idempotencyKey: "bp-exp", chunkSize: 8192 })
      )
      const state = yield* (yield* MediaOps.MemoryHandle).state
      assert.strictEqual(state.calls.filter((c) => c === "initialize").length, 2)
      assert.strictEqual(state.posts.size, 1)
      assert.isDefined(result.outputs["create-post"])
    }).pipe(Effect.provide(memoryLayer({
      faults: [{
        operation: "append",
        nth: 2,
        error: new MediaOps.OpError({ operation: "append", reason: "Expired", detail: "media expired" })
      }]
    }))))

  it.effect("invalid flows and missing files fail before anything runs", () =>
    Effect.gen(function*() {
      const invalid = yield* Effect.flip(Runner.run(
        Flow.beforePost({ ...input, subtitles: [{ file: fixture("sample.en.srt"), language: "english", name: "E" }] }),
        { idempotencyKey: "bad" }
      ))
      assert.strictEqual(invalid._tag, "FlowInvalid")
      const missing = yield* Effect.flip(Runner.run(Flow.beforePost({ ...input, video: "/nope/missing.mp4" }), {
        idempotencyKey: "missing"
      }))
      assert.strictEqual(missing._tag, "FlowFileError")
      assert.match(missing.message, /missing\.mp4: does not exist/)
      assert.strictEqual((yield* (yield* MediaOps.MemoryHandle).state).calls.length, 0)
    }).pipe(Effect.provide(memoryLayer())))
})
