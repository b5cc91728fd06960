import { NodeHttpClient } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import { Emulator } from "../src/index.js"
import { at, call, fixture, uploadChunked } from "./helpers.js"

const TestLayer = Layer.mergeAll(
  Emulator.layer({ processing: Emulator.seconds(10), processingByCategory: { tweet_gif: Emulator.afterPolls(3) }, strict: true }),
  NodeHttpClient.layer
)

const status = (id: string) => Effect.map(call("GET", `/2/media/upload?command=STATUS&media_id=${id}`), (r) => at(r.json, "data", "processing_info"))

layer(TestLayer)("processing modes", (it) => {
  it.effect("seconds: pending, then in_progress with rising progress, then succeeded, driven by TestClock", () =>
    Effect.gen(function*() {
      const { finalize, id } = yield* uploadChunked(fixture("sample.mp4"), "video/mp4", "amplify_video")
      assert.deepStrictEqual(at(finalize.json, "data", "processing_info"), { state: "pending", check_after_secs: 1 })
      yield* TestClock.adjust("3 seconds")
      assert.deepStrictEqual(yield* status(id), { state: "in_progress", check_after_secs: 5, progress_percent: 30 })
      yield* TestClock.adjust("4 seconds")
      assert.deepStrictEqual(yield* status(id), { state: "in_progress", check_after_secs: 3, progress_percent: 70 })
      yield* TestClock.adjust("3 seconds")
      assert.deepStrictEqual(yield* status(id), { state: "succeeded", progress_percent: 100 })
    }))

  it.effect("per-category mode: GIFs finish on the 3rd poll", () =>
    Effect.gen(function*() {
      const { finalize, id } = yield* uploadChunked(fixture("sample.gif"), "image/gif", "tweet_gif")
      assert.strictEqual(at(finalize.json, "data", "processing_info", "state"), "pending")
      assert.strictEqual(at(yield* status(id), "state"), "in_progress")
      assert.strictEqual(at(yield* status(id), "state"), "in_progress")
      assert.strictEqual(at(yield* status(id), "state"), "succeeded")
    }))

  it.effect("per-media mode set through the service; expiry after expires_after_secs", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const init = yield* call("POST", "/2/media/upload/initialize", {
        json: { media_type: "video/mp4", total_bytes: fixture("sample.mp4").length, media_category: "tweet_video" }
      })
      const id = String(at(init.json, "data", "id"))
      yield* emulator.setProcessing(Emulator.immediate, { mediaId: id })
      yield* call("POST", `/2/media/upload/${id}/append`, { form: [["segment_index", "0"], ["media", { bytes: fixture("sample.mp4"), filename: "v.mp4" }]] })
      const fin = yield* call("POST", `/2/media/upload/${id}/finalize`)
      assert.deepStrictEqual(at(fin.json, "data", "processing_info"), { state: "succeeded", progress_percent: 100 })
      yield* TestClock.adjust("86401 seconds")
      const expired = yield* call("GET", `/2/media/upload?command=STATUS&media_id=${id}`)
      assert.strictEqual(expired.status, 400)
      assert.match(String(at(expired.json, "errors", 0, "message")), /expired/)
    }))
})
