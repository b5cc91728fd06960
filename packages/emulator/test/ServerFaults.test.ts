import { NodeHttpClient } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Emulator } from "../src/index.js"
import { at, call, fixture, uploadChunked } from "./helpers.js"

const TestLayer = Layer.mergeAll(Emulator.layer({ processing: Emulator.afterPolls(1) }), NodeHttpClient.layer)

const addFault = (rule: unknown) => call("POST", "/_emulator/faults", { token: null, json: { rules: [rule] } })

layer(TestLayer)("server: fault injection wiring", (it) => {
  it.effect("reset after commit on POST /2/tweets: the client sees a dropped connection, the post exists once", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* emulator.reset
      const added = yield* addFault({ match: { operation: "posts.create" }, count: 1, fault: { kind: "resetAfterCommit" } })
      assert.strictEqual(added.status, 201, added.text)
      const lost = yield* Effect.either(call("POST", "/2/tweets", { json: { text: "maybe posted" } }))
      assert.strictEqual(lost._tag, "Left")
      const posts = yield* emulator.posts
      assert.deepStrictEqual(posts.map((p) => p.text), ["maybe posted"])
      const journal = yield* emulator.requests
      assert.match(String(journal.find((e) => e.operation === "posts.create")?.fault), /resetAfterCommit/)
      const next = yield* call("POST", "/2/tweets", { json: { text: "second" } })
      assert.strictEqual(next.status, 201)
    }))

  it.effect("a 503 rule targeted at append answers X's body; the retry goes through", () =>
    Effect.gen(function*() {
      yield* addFault({ match: { operation: "media.append" }, count: 1, fault: { kind: "status", status: 503 } })
      const png = fixture("sample.png")
      const init = yield* call("POST", "/2/media/upload/initialize", { json: { media_type: "image/png", total_bytes: png.length } })
      const id = String(at(init.json, "data", "id"))
      const form = [["segment_index", "0"], ["media", { bytes: png, filename: "a.png" }]] as const
      const first = yield* call("POST", `/2/media/upload/${id}/append`, { form })
      assert.strictEqual(first.status, 503)
      const retry = yield* call("POST", `/2/media/upload/${id}/append`, { form })
      assert.strictEqual(retry.status, 200)
    }))

  it.effect("a processing failure for one media id surfaces as processing_info.error", () =>
    Effect.gen(function*() {
      yield* addFault({
        match: { operation: "media.finalize" },
        count: 1,
        fault: { kind: "processingFailure", code: 3, name: "UnsupportedMedia", message: "injected" }
      })
      const { finalize, id } = yield* uploadChunked(fixture("sample.mp4"), "video/mp4", "tweet_video")
      assert.strictEqual(finalize.status, 200, finalize.text)
      const st = yield* call("GET", `/2/media/upload?command=STATUS&media_id=${id}`)
      assert.deepStrictEqual(at(st.json, "data", "processing_info", "error"), { code: 3, name: "UnsupportedMedia", message: "injected" })
    }))

  it.effect("early expiry for a media id refuses its next use", () =>
    Effect.gen(function*() {
      const init = yield* call("POST", "/2/media/upload/initialize", { json: { media_type: "image/png", total_bytes: 10 } })
      const id = String(at(init.json, "data", "id"))
      yield* addFault({ match: { mediaId: id }, count: 1, fault: { kind: "expireMedia" } })
      const res = yield* call("POST", `/2/media/upload/${id}/append`, { form: [["segment_index", "0"], ["media", { bytes: new Uint8Array(10), filename: "a" }]] })
      assert.strictEqual(res.status, 400)
      assert.match(String(at(res.json, "errors", 0, "message")), /expired/)
    }))
})
