/**
 * The flows against the emulator over real HTTP (127.0.0.1), through `MediaOpsLive` on `@xmedia/core`, with
 * faults injected through the emulator's admin API.
 */
import { NodeFileSystem, NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Auth, XClient } from "@xmedia/core"
import { AdminClient, Emulator } from "@xmedia/emulator"
import { Clock, Effect, Exit, Fiber, Layer, Redacted } from "effect"
import { readFileSync } from "node:fs"
import { Engine, Flow, type FlowError, MediaOps, MediaOpsLive, Runner } from "../src/index.js"
import { fixture, recorder } from "./helpers.js"

const liveWith = (options: Emulator.Options) => Layer.unwrapEffect(Effect.gen(function*() {
  const emulator = yield* Emulator.Emulator
  const X = MediaOpsLive.layer.pipe(
    Layer.provide(XClient.layer({
      baseUrl: emulator.url,
      auth: Auth.oauth2User({ accessToken: Redacted.make("xmedia-dev-token") })
    }))
  )
  return Runner.layer.pipe(
    Layer.provideMerge(Engine.layerMemory),
    Layer.provideMerge(X),
    Layer.provideMerge(NodeFileSystem.layer),
    Layer.merge(AdminClient.layer(emulator.url)),
    Layer.provide(NodeHttpClient.layer)
  )
})).pipe(Layer.provideMerge(Emulator.layer(options)))

const live = liveWith({ processing: Emulator.afterPolls(1) })

/** Uploads the sample PNG through `ops` (one segment) and answers its media id. */
const uploadImage = (ops: MediaOps.MediaOps["Type"]) =>
  Effect.gen(function*() {
    const png = new Uint8Array(readFileSync(fixture("sample.png")))
    const session = yield* ops.initialize({ mediaType: "image/png", totalBytes: png.length, category: "tweet_image" })
    yield* ops.append({ mediaId: session.mediaId, segmentIndex: 0, media: png })
    yield* ops.finalize(session.mediaId)
    return session.mediaId
  })

const input = (text: string): Flow.VideoPostInput => ({
  video: fixture("sample.mp4"),
  subtitles: [
    { file: fixture("sample.en.srt"), language: "en", name: "English" },
    { file: fixture("sample.fr.vtt"), language: "fr", name: "Français" }
  ],
  text
})

describe("flows against the emulator", () => {
  it.live("both seed flows complete over HTTP and carry both tracks", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const rec = yield* recorder
      const before = yield* Runner.run(Flow.beforePost(input("before")), {
        idempotencyKey: "live-before",
        chunkSize: 8192,
        onEvent: rec.onEvent
      })
      const after = yield* Runner.run(Flow.afterPost(input("after")), { idempotencyKey: "live-after" })
      const posts = yield* emulator.posts
      assert.strictEqual(posts.length, 2)
      for (const result of [before, after]) {
        const video = result.outputs["await-video"] as Flow.Uploaded
        const record = yield* emulator.media(video.mediaId)
        assert.deepStrictEqual(record?.subtitles.map((s) => s.language_code).sort(), ["EN", "FR"])
        assert.isTrue(posts.some((p) => p.id === (result.outputs["create-post"] as Flow.Posted).postId))
      }
      const bytes = (yield* rec.events).filter((e) => e._tag === "Bytes" && e.step === "upload-video")
      assert.deepStrictEqual(bytes.map((e) => e._tag === "Bytes" ? e.sent : 0), [8192, 16384, 24006])
    }).pipe(Effect.provide(live)), 60_000)

  it.live("503s, 429s and connection resets: every flow completes, no post twice", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const admin = yield* AdminClient.AdminClient
      yield* admin.addFaults([
        { match: { operation: "media.append" }, count: 2, fault: { kind: "status", status: 503 } },
        { match: { operation: "media.initialize" }, count: 1, fault: { kind: "resetBeforeHandler" } },
        { match: { operation: "media.status" }, count: 1, fault: { kind: "resetBeforeHandler" } },
        { match: { operation: "media.subtitles.create" }, count: 1, fault: { kind: "rateLimit", resetAfterSeconds: 1 } },
        // X accepts the post but the connection drops before the answer: the flow must find it, not post again
        { match: { operation: "posts.create" }, count: 1, fault: { kind: "resetAfterCommit" } },
        { match: { operation: "posts.create" }, after: 1, count: 1, fault: { kind: "status", status: 503 } }
      ])
      const flows = [
        Flow.beforePost(input("flow 0")),
        Flow.afterPost(input("flow 1")),
        Flow.beforePost(input("flow 2")),
        Flow.afterPost(input("flow 3"))
      ]
      const exits = yield* Runner.runBatch(
        flows.map((flow, i) => ({ flow, idempotencyKey: `faults-${i}` })),
        { batchConcurrency: 4 }
      )
      const posts = yield* emulator.posts
      exits.forEach((exit, i) => {
        const text = `flow ${i}`
        const mine = posts.filter((p) => p.text === text || p.text.startsWith(`${text} `))
        assert.isTrue(Exit.isSuccess(exit), `flow ${i}: ${Exit.isFailure(exit) ? exit.cause.toString() : ""}`)
        assert.strictEqual(mine.length, 1, `flow ${i} must have exactly one post`)
        if (Exit.isSuccess(exit)) {
          assert.strictEqual(mine[0]!.id, (exit.value.outputs["create-post"] as Flow.Posted).postId)
        }
      })
      assert.strictEqual(posts.length, 4)
      // every injected fault really happened
      const list = yield* admin.faults
      for (const rule of list.rules) assert.isAtLeast(rule.fired, 1, JSON.stringify(rule))
    }).pipe(Effect.provide(live)), 90_000)

  it.live("a processing failure ends the flow typed, before anything is posted", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const admin = yield* AdminClient.AdminClient
      yield* admin.addFaults([{ count: 1, fault: { kind: "processingFailure", name: "InvalidMedia" } }])
      // only the video is uploaded, so the one processing failure hits it
      const exit = yield* Effect.exit(
        Runner.run(Flow.beforePost({ ...input("doomed"), subtitles: [] }), { idempotencyKey: "doomed" })
      )
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined
      assert.strictEqual(error?._tag, "FlowFailed")
      const failed = error as FlowError.FlowFailed
      assert.strictEqual(failed.reason, "ProcessingFailed")
      // X may report the failure at FINALIZE already or while STATUS is polled
      assert.include(["upload-video", "await-video"], failed.step)
      assert.match(failed.message, /InvalidMedia/)
      assert.strictEqual((yield* emulator.posts).length, 0)
    }).pipe(Effect.provide(live)), 60_000)

  it.live("a 429 pauses only its endpoint, for every caller, until the reset", () =>
    Effect.gen(function*() {
      const admin = yield* AdminClient.AdminClient
      const ops = yield* MediaOps.MediaOps
      const [a, b] = [yield* uploadImage(ops), yield* uploadImage(ops)]
      yield* admin.addFaults([
        { match: { operation: "posts.create" }, count: 1, fault: { kind: "rateLimit", resetAfterSeconds: 2 } }
      ])
      const t0 = yield* Clock.currentTimeMillis
      const first = yield* Effect.fork(ops.createPost({ text: "first", mediaIds: [a] }))
      yield* Effect.sleep("300 millis")
      const second = yield* Effect.fork(ops.createPost({ text: "second", mediaIds: [b] }))
      // another endpoint is not paused
      yield* ops.status(a)
      const otherDone = (yield* Clock.currentTimeMillis) - t0
      yield* Fiber.join(first)
      yield* Fiber.join(second)
      assert.isBelow(otherDone, 1000)
      const requests = yield* admin.requests({ operation: "posts.create" })
      assert.deepStrictEqual(requests.map((r) => r.status), [429, 201, 201])
      const limited = requests[0]!
      // both callers waited for the reset (X sends it in epoch seconds: 1-2 s after the 429)
      for (const r of requests.slice(1)) assert.isAtLeast(r.at - limited.at, 900)
    }).pipe(Effect.provide(live)), 60_000)

  it.live("a spent window (remaining 0) makes the next call wait for the reset instead of drawing a 429", () =>
    Effect.gen(function*() {
      const admin = yield* AdminClient.AdminClient
      const ops = yield* MediaOps.MediaOps
      const [a, b] = [yield* uploadImage(ops), yield* uploadImage(ops)]
      yield* ops.createPost({ text: "first", mediaIds: [a] }) // 201 with x-rate-limit-remaining: 0
      yield* ops.createPost({ text: "second", mediaIds: [b] })
      const requests = yield* admin.requests({ operation: "posts.create" })
      // no 429: the second post waited for the window's reset (epoch seconds, 1-2 s after the first)
      assert.deepStrictEqual(requests.map((r) => r.status), [201, 201])
      assert.isAtLeast(requests[1]!.at - requests[0]!.at, 900)
    }).pipe(
      Effect.provide(liveWith({
        processing: Emulator.afterPolls(1),
        rateLimitOverrides: { "posts.create": { user: { limit: 1, windowSeconds: 2 } } }
      }))
    ), 60_000)
})
